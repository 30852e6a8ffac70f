/**
 * `npm run build && npm run service` on a fresh checkout serves the widget (issue 19 Must show 7): the
 * build makes the widget bundle too, and the built service, on the embedded default (SQLite, in-process
 * store), answers `/widget/volcano-chat.js` from it with no WIDGET_DIR set.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

describe('npm run build', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vc-build-'))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it('should build the service and the widget, and the built service should serve the widget', async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe' })
    const bundle = join(root, 'packages/server/dist/main.js')
    expect(existsSync(bundle)).toBe(true)
    expect(existsSync(join(root, 'packages/widget/dist/volcano-chat.js'))).toBe(true)

    // One node process on port 0, as `npm run service` runs it (minus the rebuild), from another cwd:
    // the widget is found from the bundle's own location.
    const proc = spawn(process.execPath, [bundle], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        SQLITE_PATH: join(dataDir, 'vc.sqlite'),
        COZE_API_BASE: 'http://127.0.0.1:9', // never reached: nothing here talks to Coze
        COZE_BOT_ID: '7379462189365198898',
        COZE_PAT: 'pat_build_test',
        S2S_KEYS: 'build-test:0123456789abcdef0123',
        USER_ID_SECRET: 'build-test-user-id-secret',
        AUDIT_KEY: 'build-test-audit-key-0123456789',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      let output = ''
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`service did not start: ${output}`)), 20_000)
        const onData = (b: Buffer) => {
          output += b.toString()
          const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
          if (m) {
            clearTimeout(timer)
            resolve(m[1]!)
          }
        }
        proc.stdout!.on('data', onData)
        proc.stderr!.on('data', onData)
        proc.once('exit', (code) => reject(new Error(`service exited ${code}: ${output}`)))
      })
      const res = await fetch(`${url}/widget/volcano-chat.js`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/)
      expect((await res.text()).length).toBeGreaterThan(1000)
    } finally {
      proc.kill('SIGKILL')
    }
  })
})
