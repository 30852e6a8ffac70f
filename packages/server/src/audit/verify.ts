/**
 * Verifies the audit chain end to end (`npm run audit:verify`): seq from 1 without gaps, each row
 * pointing at the previous row's hash, each hash matching its row, and, given heads exported earlier
 * (head-export.ts), each of them still in the chain: a rewrite changes every later hash, a truncation
 * leaves an exported seq with no row. The first broken row is reported.
 */
import type { AuditRepository } from '../store/types'
import { GENESIS, hashOf } from './chain'

export type ChainReport =
  | { ok: true; rows: number; head: { seq: number; hash: string } | null; headsChecked: number }
  | { ok: false; rows: number; seq: number; problem: string }

/** Exported heads, `seq → hash`. */
export type Heads = ReadonlyMap<number, string>

const PAGE = 1000
const HASH = /^[0-9a-f]{64}$/

/**
 * @example
 * const report = await verifyAuditChain(store, chainKeyFrom(config.audit.key), parseHeads(text))
 * if (!report.ok) console.error(`audit chain broken at seq ${report.seq}: ${report.problem}`)
 */
export async function verifyAuditChain(
  store: Pick<AuditRepository, 'listAudit'>,
  key: Buffer,
  heads: Heads = new Map(),
): Promise<ChainReport> {
  let expectedSeq = 1
  let prevHash = GENESIS
  let rows = 0
  let headsChecked = 0
  for (;;) {
    const page = await store.listAudit(expectedSeq - 1, PAGE)
    for (const row of page) {
      const broken = (problem: string): ChainReport => ({ ok: false, rows, seq: row.seq, problem })
      if (row.seq !== expectedSeq) return broken(`expected seq ${expectedSeq}: rows are missing`)
      if (row.prevHash !== prevHash) return broken('prev_hash does not match the previous row')
      const { hash, ...rest } = row
      if (hashOf(key, rest) !== hash) return broken('row was changed after it was written')
      const exported = heads.get(row.seq)
      if (exported !== undefined && exported !== hash) {
        return broken('hash differs from the head exported for this seq: the chain was rebuilt')
      }
      if (exported !== undefined) headsChecked++
      prevHash = hash
      expectedSeq++
      rows++
    }
    if (page.length === PAGE) continue
    const last = Math.max(0, ...heads.keys())
    if (last > rows) {
      return {
        ok: false,
        rows,
        seq: rows + 1,
        problem: `rows are missing: a head was exported at seq ${last}`,
      }
    }
    return { ok: true, rows, head: rows ? { seq: rows, hash: prevHash } : null, headsChecked }
  }
}

/**
 * Heads from a file of JSON lines: head-export.ts's own `{"seq","hash"}` lines, or the service's pino
 * log with its `auditHead` lines; other lines are skipped. Two hashes for one seq is a problem in itself.
 */
export function parseHeads(text: string): Heads {
  const heads = new Map<number, string>()
  for (const line of text.split('\n')) {
    const head = headOf(line)
    if (!head) continue
    const seen = heads.get(head.seq)
    if (seen !== undefined && seen !== head.hash) {
      throw new Error(`the head file has two hashes for seq ${head.seq}`)
    }
    heads.set(head.seq, head.hash)
  }
  return heads
}

function headOf(line: string): { seq: number; hash: string } | undefined {
  if (!line.trim().startsWith('{')) return undefined
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch {
    return undefined // a torn last line, or not ours
  }
  const o = v as { seq?: unknown; hash?: unknown; auditHead?: { seq?: unknown; hash?: unknown } }
  const h = o.auditHead ?? o
  return Number.isSafeInteger(h.seq) &&
    (h.seq as number) > 0 &&
    typeof h.hash === 'string' &&
    HASH.test(h.hash)
    ? { seq: h.seq as number, hash: h.hash }
    : undefined
}
