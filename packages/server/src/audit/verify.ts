/**
 * Verifies the audit chain end to end (`npm run audit:verify`): seq from 1 without gaps, each row
 * pointing at the previous row's hash, each hash matching its row. The first broken row is reported.
 */
import type { Store } from '../store/types'
import { GENESIS, hashOf } from './chain'

export type ChainReport =
  | { ok: true; rows: number; head: { seq: number; hash: string } | null }
  | { ok: false; rows: number; seq: number; problem: string }

const PAGE = 1000

/**
 * @example
 * const report = await verifyAuditChain(store, chainKeyFrom(config.userIdSecret))
 * if (!report.ok) console.error(`audit chain broken at seq ${report.seq}: ${report.problem}`)
 */
export async function verifyAuditChain(store: Pick<Store, 'listAudit'>, key: Buffer): Promise<ChainReport> {
  let expectedSeq = 1
  let prevHash = GENESIS
  let rows = 0
  for (;;) {
    const page = await store.listAudit(expectedSeq - 1, PAGE)
    for (const row of page) {
      const broken = (problem: string): ChainReport => ({ ok: false, rows, seq: row.seq, problem })
      if (row.seq !== expectedSeq) return broken(`expected seq ${expectedSeq}: rows are missing`)
      if (row.prevHash !== prevHash) return broken('prev_hash does not match the previous row')
      const { hash, ...rest } = row
      if (hashOf(key, rest) !== hash) return broken('row was changed after it was written')
      prevHash = hash
      expectedSeq++
      rows++
    }
    if (page.length < PAGE) return { ok: true, rows, head: rows ? { seq: rows, hash: prevHash } : null }
  }
}
