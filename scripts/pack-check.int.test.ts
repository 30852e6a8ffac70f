/**
 * Issue 21, "Must show" 11: `npm pack` of the widget, the client and the Nuxt module ships only the
 * build (dist/, types under it), README.md and package.json, and every entry point it names is inside.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensurePackageBuilds, PACKAGE_DIRS } from './pack-check-build'

/** The workspace's own export condition (its sources, for tsc): not shipped, and no consumer sets it. */
const SOURCE_CONDITION = '@volcano-chat/source'
const ALLOWED = /^(dist\/.+|README\.md|package\.json|LICENSE(\.\w+)?)$/

interface Manifest {
  name: string
  private?: boolean
  main?: string
  types?: string
  exports?: unknown
  files?: string[]
}

/** Every file an export map points at, the source condition aside. */
function exportTargets(node: unknown): string[] {
  if (typeof node === 'string') return [node]
  if (!node || typeof node !== 'object') return []
  return Object.entries(node).flatMap(([key, value]) =>
    key === SOURCE_CONDITION ? [] : exportTargets(value),
  )
}

const packedFiles = (dir: string): string[] => {
  // --ignore-scripts: the builds above are the only ones; packing must not start another.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    stdio: 'pipe',
  })
  const [report] = JSON.parse(out.toString()) as [{ files: { path: string }[] }]
  return report.files.map((f) => f.path).sort()
}

describe('npm pack', () => {
  const packed: Record<string, string[]> = {}

  beforeAll(() => {
    ensurePackageBuilds()
    for (const [name, dir] of Object.entries(PACKAGE_DIRS)) packed[name] = packedFiles(dir)
  }, 300_000)

  describe.each(Object.entries(PACKAGE_DIRS))('%s', (name, dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest

    it('should be publishable and ship only dist/, README.md and package.json', () => {
      expect(manifest.private).toBe(false)
      // `!dist/**/*.gz`-style exclusions aside (the service's pre-compressed copies stay out of the package).
      expect(manifest.files?.filter((f) => !f.startsWith('!'))).toEqual(['dist', 'README.md'])
      const files = packed[name]!
      expect(files.filter((f) => !ALLOWED.test(f))).toEqual([])
      expect(files.filter((f) => /\.(gz|br)$/.test(f))).toEqual([])
      expect(files).toContain('README.md')
      expect(files.some((f) => f.endsWith('.d.ts') || f.endsWith('.d.mts'))).toBe(true)
    })

    it('should contain every file main, types and exports point at', () => {
      const targets = [manifest.main, manifest.types, ...exportTargets(manifest.exports)]
        .filter((t): t is string => t !== undefined)
        .map((t) => t.replace(/^\.\//, ''))
      expect(targets.length).toBeGreaterThan(0)
      expect(targets.filter((t) => !packed[name]!.includes(t))).toEqual([])
    })
  })
})
