/**
 * Browser tests need `dist/`. `npm test` does not build first, so build here when `dist/` is missing
 * or older than a source file (a stale bundle would test yesterday's code). Several test projects call
 * this at once (the widget's smoke test, the repository's e2e/), so the build runs under a lock and
 * each caller checks again once it holds it: one build, never two writing `dist/` together.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((max, d) => {
    const p = join(dir, d.name)
    if (d.isDirectory()) return Math.max(max, newest(p))
    return /\.test(-d)?\.ts$/.test(d.name) ? max : Math.max(max, statSync(p).mtimeMs)
  }, 0)

/** A lock left by a killed run is broken after this long (a build takes well under a minute). */
const STALE_LOCK_MS = 10 * 60_000

export function withLock<T>(lock: string, fn: () => T): T {
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    try {
      mkdirSync(lock) // atomic: exactly one caller creates it
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true })
      else Atomics.wait(pause, 0, 0, 200)
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

export function ensureBuild(pkgDir: string): string {
  // The loader is built last (package.json `build`): newer than the sources means all of dist/ is.
  const bundle = join(pkgDir, 'dist', 'volcano-chat.js')
  const app = join(pkgDir, 'dist', 'volcano-chat.app.js')
  const stale = () => {
    const sources = Math.max(newest(join(pkgDir, 'src')), statSync(join(pkgDir, 'vite.config.ts')).mtimeMs)
    return !existsSync(bundle) || !existsSync(app) || statSync(bundle).mtimeMs < sources
  }
  if (stale()) {
    mkdirSync(join(pkgDir, 'node_modules', '.cache'), { recursive: true })
    withLock(join(pkgDir, 'node_modules', '.cache', 'dist-build.lock'), () => {
      if (stale()) execFileSync('npm', ['run', 'build'], { cwd: pkgDir, stdio: 'pipe' })
    })
  }
  return join(pkgDir, 'dist')
}
