import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')

describe('cli', () => {
  it('should print the URL, serve requests and exit 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [tsxCli, cli, '--port', '0', '--pat', 'pat_cli'], { stdio: 'pipe' })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const match = /coze-sim listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)
          if (match) resolve(match[1]!)
        })
        child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)))
      })
      const r = await fetch(`${url}/v1/conversation/create`, {
        method: 'POST',
        headers: { authorization: 'Bearer pat_cli' },
      })
      expect(((await r.json()) as { code: number }).code).toBe(0)
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
