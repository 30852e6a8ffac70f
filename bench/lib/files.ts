/** Paths and facts about this checkout that a run records. */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../../', import.meta.url))

export function git(args: string[]) {
  return spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? ''
}

export function fileSize(path: string) {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

export function mainThreadProfile(dirPath: string): string | undefined {
  try {
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (tsx's module
    // loader runs in a worker of its own and writes a second, small profile).
    const files = readdirSync(dirPath).filter((f) => f.endsWith('.cpuprofile'))
    const main = files.filter((f) => f.split('.')[4] === '0')
    const pick = (main.length ? main : files).sort(
      (x, y) => statSync(join(dirPath, y)).mtimeMs - statSync(join(dirPath, x)).mtimeMs,
    )[0]
    return pick && join(dirPath, pick)
  } catch {
    return undefined
  }
}

/** `fastify 5.x, undici 7.y`: what the node relay runs on. */
export function packageVersions(names: string[]): string {
  return names
    .map((n) => {
      const pkg = JSON.parse(readFileSync(join(root, 'node_modules', n, 'package.json'), 'utf8')) as {
        version: string
      }
      return `${n} ${pkg.version}`
    })
    .join(', ')
}
