import { describe, expect, it } from 'vitest'
import type { AuditRow } from '../store/types'
import { chainKeyFrom, GENESIS, hashOf } from './chain'
import { verifyAuditChain } from './verify'

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
    })
    expect(await verifyAuditChain(storeOf([]), key)).toEqual({ ok: true, rows: 0, head: null })
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
})
