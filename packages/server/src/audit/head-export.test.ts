import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { startHeadExport } from './head-export'
import { parseHeads } from './verify'

const hash = (c: string) => c.repeat(64)

function setup() {
  const lines: Record<string, unknown>[] = []
  const log = pino(new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }))
  const store = { head: undefined as { seq: number; hash: string } | undefined }
  const file = join(mkdtempSync(join(tmpdir(), 'vc-audit-head-')), 'head.jsonl')
  const sut = startHeadExport({
    store: { lastAudit: async () => store.head },
    log,
    intervalMs: 3_600_000,
    file,
    now: () => Date.UTC(2026, 11, 6, 18),
  })
  return { sut, store, file, lines }
}

describe('startHeadExport', () => {
  it('should append a line and log one when the head moved, and nothing when it did not', async () => {
    const { sut, store, file, lines } = setup()
    await sut.exportNow() // empty chain: nothing to export
    store.head = { seq: 5, hash: hash('a') }
    await sut.exportNow()
    await sut.exportNow()
    store.head = { seq: 8, hash: hash('b') }
    await sut.stop()
    expect(readFileSync(file, 'utf8')).toBe(
      [
        { at: '2026-12-06T18:00:00.000Z', seq: 5, hash: hash('a') },
        { at: '2026-12-06T18:00:00.000Z', seq: 8, hash: hash('b') },
      ]
        .map((l) => `${JSON.stringify(l)}\n`)
        .join(''),
    )
    const logged = lines.filter((l) => l.msg === 'audit head').map((l) => l.auditHead)
    expect(logged).toEqual([
      { seq: 5, hash: hash('a') },
      { seq: 8, hash: hash('b') },
    ])
    // The log is a head file too.
    expect(parseHeads(lines.map((l) => JSON.stringify(l)).join('\n')).get(8)).toBe(hash('b'))
  })

  it('should log a failed export and try again on the next one', async () => {
    const { sut, store, lines } = setup()
    let fail = true
    store.head = { seq: 1, hash: hash('c') }
    const failing = startHeadExport({
      store: {
        lastAudit: async () => {
          if (fail) throw new Error('MySQL away')
          return store.head
        },
      },
      log: pino(new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) })),
      intervalMs: 3_600_000,
    })
    await failing.exportNow()
    expect(lines.at(-1)).toMatchObject({ msg: 'audit head export failed' })
    fail = false
    await failing.stop()
    expect(lines.at(-1)).toMatchObject({ msg: 'audit head', auditHead: { seq: 1 } })
    await sut.stop()
  })
})
