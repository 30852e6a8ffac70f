/**
 * Browser tests need `dist/`. `npm test` does not build first, so build here when `dist/` is missing
 * or older than a source file (a stale bundle would test yesterday's code).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((max, d) => {
    const p = join(dir, d.name)
    if (d.isDirectory()) return Math.max(max, newest(p))
    return /\.test(-d)?\.ts$/.test(d.name) ? max : Math.max(max, statSync(p).mtimeMs)
  }, 0)

export function ensureBuild(pkgDir: string): string {
  const bundle = join(pkgDir, 'dist', 'volcano-chat.js')
  const sources = Math.max(newest(join(pkgDir, 'src')), statSync(join(pkgDir, 'vite.config.ts')).mtimeMs)
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < sources) {
    execFileSync('npm', ['run', 'build'], { cwd: pkgDir, stdio: 'pipe' })
  }
  return join(pkgDir, 'dist')
}
