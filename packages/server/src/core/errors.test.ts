import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { codes, wireCode, type ErrorKey } from './errors'
import type { StreamEvent } from './wire'

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8')
const spec = (() => {
  try {
    return readFileSync(new URL('../../../../../shared/docs/SPEC.md', import.meta.url), 'utf8')
  } catch {
    return undefined // SPEC lives beside the repository; the README table is checked regardless
  }
})()

describe('error catalogue', () => {
  const keys = Object.keys(codes) as ErrorKey[]

  it('should document every code with its status in the README table', () => {
    for (const key of keys) {
      expect(readme).toContain(`| \`${wireCode(key)}\` | ${codes[key].status} |`)
    }
  })

  it('should not document codes that do not exist', () => {
    const documented = [...readme.matchAll(/^\| `([A-Z_]+)` \| \d{3} \|/gm)].map((m) => m[1])
    expect(documented.sort()).toEqual(keys.map(wireCode).sort())
  })

  it.runIf(spec)('should give every code SPEC names the status SPEC gives it', () => {
    for (const m of spec!.matchAll(/`(\d{3}) ([A-Z][A-Z_]+)`/g)) {
      const key = `VC_ERR_${m[2]}` as ErrorKey
      expect(codes[key], m[2]).toBeDefined()
      expect(codes[key].status, m[2]).toBe(Number(m[1]))
    }
  })

  it('should let an SSE error event carry only a code of the catalogue (checked by tsc)', () => {
    const known: StreamEvent = { event: 'error', data: { code: 'CANCELLED', message: 'm' } }
    // @ts-expect-error not a code of the catalogue
    const unknown: StreamEvent = { event: 'error', data: { code: 'NOT_A_CODE', message: 'm' } }
    expect([known.event, unknown.event]).toEqual(['error', 'error'])
  })
})
