/**
 * Builds what `npm pack` ships and what the Nuxt example runs, each only when its output is missing or
 * older than its sources (a clean clone has no dist/; `npm ci` builds only the client, by its `prepare`):
 *   client  `tsc -p tsconfig.build.json` → dist/*.js + .d.ts
 *   widget  its Vite build, declarations included (ensureBuild: the lock the browser tests share)
 *   nuxt    `tsc -p tsconfig.build.json` → dist/module.mjs, runtime/*.mjs + .d.mts (needs the widget's dist/types)
 *   the Nuxt example  `nuxi build` → examples/nuxt-app/.output (telemetry and prompts off, no stdin)
 * The pack check (scripts/pack-check.int.test.ts) and e2e/nuxt-app.e2e.ts both call these, possibly at once,
 * so each build runs under a lock and checks again once it holds it.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureBuild, withLock } from '../packages/widget/e2e/ensure-build'

const root = fileURLToPath(new URL('../', import.meta.url))
export const PACKAGE_DIRS = {
  client: join(root, 'packages/client'),
  widget: join(root, 'packages/widget'),
  nuxt: join(root, 'packages/nuxt'),
} as const
export const NUXT_APP_DIR = join(root, 'examples/nuxt-app')

const SKIP = new Set(['node_modules', 'dist', '.nuxt', '.output'])

/** The newest mtime under the paths given (tests and generated directories aside); 0 for none. */
function newest(...paths: string[]): number {
  let max = 0
  for (const p of paths) {
    const st = statSync(p, { throwIfNoEntry: false })
    if (!st) continue
    if (!st.isDirectory()) {
      if (!/\.test(-d)?\.ts$/.test(p)) max = Math.max(max, st.mtimeMs)
      continue
    }
    for (const d of readdirSync(p)) if (!SKIP.has(d)) max = Math.max(max, newest(join(p, d)))
  }
  return max
}

const mtime = (file: string) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0

/** Runs `build` when `output` is missing or older than `inputs`, under a lock in `dir`/node_modules/.cache. */
function rebuildIfStale(dir: string, output: string, inputs: string[], build: () => void): void {
  const stale = () => !existsSync(output) || mtime(output) < newest(...inputs)
  if (!stale()) return
  mkdirSync(join(dir, 'node_modules', '.cache'), { recursive: true })
  withLock(join(dir, 'node_modules', '.cache', 'pack-build.lock'), () => {
    if (stale()) build()
  })
}

const run = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  execFileSync('npm', args, { cwd, stdio: 'pipe', env: { ...process.env, ...env } })

/** client, widget and nuxt dist/, in that order (the module's declarations import the widget's). */
export function ensurePackageBuilds(): void {
  const { client, widget, nuxt } = PACKAGE_DIRS
  rebuildIfStale(
    client,
    join(client, 'dist/index.d.ts'),
    [join(client, 'src'), join(client, 'package.json')],
    () => run(client, ['run', 'build']),
  )
  ensureBuild(widget)
  // A dist/ built before the declarations were part of the build has none: add them under the widget's lock.
  const types = join(widget, 'dist/types/vue.d.ts')
  if (!existsSync(types))
    withLock(join(widget, 'node_modules', '.cache', 'dist-build.lock'), () => {
      if (!existsSync(types)) run(widget, ['run', 'build:types'])
    })
  rebuildIfStale(
    nuxt,
    join(nuxt, 'dist/module.d.mts'),
    [join(nuxt, 'src'), join(nuxt, 'package.json'), types],
    () => run(nuxt, ['run', 'build']),
  )
}

/** The built example app (`.output/`), rebuilt when it or anything it is made of changed. */
export function ensureNuxtApp(): string {
  ensurePackageBuilds()
  const output = join(NUXT_APP_DIR, '.output')
  rebuildIfStale(
    NUXT_APP_DIR,
    join(output, 'server/index.mjs'),
    [
      NUXT_APP_DIR,
      join(PACKAGE_DIRS.nuxt, 'dist'),
      join(PACKAGE_DIRS.widget, 'dist/vue.js'),
      join(PACKAGE_DIRS.client, 'dist'),
    ],
    // CI=true and no stdin: Nuxt asks nothing; NUXT_TELEMETRY_DISABLED as well as `telemetry: false`.
    () => run(NUXT_APP_DIR, ['run', 'build'], { CI: 'true', NUXT_TELEMETRY_DISABLED: '1' }),
  )
  return output
}
