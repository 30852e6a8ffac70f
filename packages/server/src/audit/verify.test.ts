import { describe, expect, it } from 'vitest'
import type { AuditRow } from '../store/types'
import { chainKeyFrom, GENESIS, hashOf } from './chain'
import { parseHeads, verifyAuditChain } from './verify'

const key = chainKeyFrom('test-secret')

function chain(n: number): AuditRow[] {
  const rows: AuditRow[] = []
  let prevHash = GENESIS
  for (let seq = 1; seq <= n; seq++) {
    const row = {
      ...{ id: `id-${seq}`, seq, at: seq, action: 'chat.start', outcome: 'allowed' as const, reason: null },
      ...{ userId: 'u', phoneMasked: '138****8000', clientIp: null, userAgent: null, keyId: null },
      ...{ requestId: null, detail: null, prevHash },
    }
    const hash = hashOf(key, row)
    rows.push({ ...row, hash })
    prevHash = hash
  }
  return rows
}
const storeOf = (rows: AuditRow[]) => ({
  listAudit: async (after: number, limit: number) => rows.filter((r) => r.seq > after).slice(0, limit),
})

describe('verifyAuditChain', () => {
  it('should pass an intact chain across pages and report its head', async () => {
    const rows = chain(2500)
    expect(await verifyAuditChain(storeOf(rows), key)).toEqual({
      ok: true,
      rows: 2500,
      head: { seq: 2500, hash: rows[2499]!.hash },
      headsChecked: 0,
    })
    expect(await verifyAuditChain(storeOf([]), key)).toMatchObject({ ok: true, rows: 0, head: null })
  })

  it('should find an edited row', async () => {
    const rows = chain(5)
    rows[2] = { ...rows[2]!, outcome: 'denied' }
    expect(await verifyAuditChain(storeOf(rows), key)).toMatchObject({ ok: false, seq: 3, rows: 2 })
  })

  it('should find a row edited with its hash recomputed without the key', async () => {
    const rows = chain(5)
    const forged = { ...rows[1]!, userId: 'someone-else' }
    rows[1] = { ...forged, hash: hashOf(chainKeyFrom('guess'), forged) }
    expect(await verifyAuditChain(storeOf(rows), key)).toMatchObject({ ok: false, seq: 2 })
  })

  it('should find a deleted row and a re-linked chain', async () => {
    const rows = chain(5)
    expect(await verifyAuditChain(storeOf(rows.filter((r) => r.seq !== 3)), key)).toMatchObject({
      ok: false,
      seq: 4,
      problem: expect.stringMatching(/missing/),
    })
    expect(await verifyAuditChain(storeOf(rows.slice(1)), key)).toMatchObject({ ok: false, seq: 2 })
  })

  // Issue 20 #5: the heads exported outside the database (head-export.ts).
  describe('against exported heads', () => {
    const headsOf = (rows: AuditRow[], ...seqs: number[]) => new Map(seqs.map((q) => [q, rows[q - 1]!.hash]))

    it('should pass when every exported head is still in the chain', async () => {
      const rows = chain(1200)
      expect(await verifyAuditChain(storeOf(rows), key, headsOf(rows, 3, 1000, 1200))).toMatchObject({
        ok: true,
        rows: 1200,
        headsChecked: 3,
      })
    })

    it('should catch rows cut from the end, which the chain alone cannot show', async () => {
      const rows = chain(10)
      const heads = headsOf(rows, 4, 10)
      const cut = rows.slice(0, 7)
      expect(await verifyAuditChain(storeOf(cut), key)).toMatchObject({ ok: true })
      expect(await verifyAuditChain(storeOf(cut), key, heads)).toEqual({
        ok: false,
        rows: 7,
        seq: 8,
        problem: 'rows are missing: a head was exported at seq 10',
      })
    })

    it('should catch a chain rebuilt with the right key after an edit', async () => {
      const rows = chain(6)
      const heads = headsOf(rows, 6)
      let prevHash = rows[1]!.hash
      const rebuilt = rows.map((r) => {
        if (r.seq < 3) return r
        const { hash: _, ...fields } = { ...r, outcome: 'denied' as const, prevHash }
        const hash = hashOf(key, fields)
        prevHash = hash
        return { ...fields, hash }
      })
      expect(await verifyAuditChain(storeOf(rebuilt), key)).toMatchObject({ ok: true })
      expect(await verifyAuditChain(storeOf(rebuilt), key, heads)).toMatchObject({
        ok: false,
        seq: 6,
        problem: expect.stringMatching(/rebuilt/),
      })
    })
  })
})

describe('parseHeads', () => {
  const h = (c: string) => c.repeat(64)
  it('should read its own lines and the service log, skipping everything else', () => {
    const text = [
      JSON.stringify({ at: '2026-12-06T18:00:00.000Z', seq: 3, hash: h('a') }),
      JSON.stringify({ level: 30, msg: 'audit head', auditHead: { seq: 9, hash: h('b') } }),
      JSON.stringify({ level: 30, msg: 'request completed' }),
      'not json',
      JSON.stringify({ seq: -1, hash: h('c') }),
      JSON.stringify({ seq: 4, hash: 'short' }),
      '{"seq": 12, "hash": "torn',
    ].join('\n')
    expect(parseHeads(text)).toEqual(
      new Map([
        [3, h('a')],
        [9, h('b')],
      ]),
    )
  })

  it('should refuse a file with two hashes for one seq', () => {
    const text = [
      { seq: 3, hash: h('a') },
      { seq: 3, hash: h('b') },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n')
    expect(() => parseHeads(text)).toThrow(/two hashes for seq 3/)
  })
})
