/**
 * The audit log (issue 6): who did what, from where, allowed or denied, why. `record()` never throws and
 * never updates or deletes: it appends to the hash chain. Appends from one process are queued and
 * written in batches; appends from several instances meet on the unique `seq`, and the loser re-reads
 * the head and retries, so the chain stays one line without a cross-instance lock.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { AuditRepository, AuditRow } from '../store/types'
import { GENESIS, hashOf } from './chain'
import { retryOnFault } from '../core/retry'
import type { Audit, AuditEvent } from './types'

export type { Audit, AuditAction, AuditEvent } from './types'

export interface AuditDeps {
  store: AuditRepository
  chainKey: Buffer
  log: Logger
  now?: () => number
  /** Each event written (or lost), for metrics. */
  onWritten?: (e: AuditEvent, ok: boolean) => void
  /** A batch tried again after a MySQL fault, for metrics. */
  onRetry?: () => void
}

const MAX_BATCH = 100
/** Retries of a batch that met a MySQL fault: 250 ms, 500 ms … 8 s. */
const FAULT_RETRIES = 6
const FAULT_BACKOFF_MS = 250
const MAX_ATTEMPTS = 50
/** Column sizes of `audit_event`: values are cut before hashing so the stored row hashes the same. */
const cut = (s: string | null | undefined, n: number) => (s == null ? null : wellFormed(s.slice(0, n)))
/** Lone surrogates (or one split by the cut) would not survive utf8mb4 unchanged, breaking the hash. */
const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')

interface Pending {
  event: AuditEvent
  at: number
  done: (ok: boolean) => void
}

/**
 * @example
 * const audit = createAudit({ store, chainKey: chainKeyFrom(config.audit.key), log })
 * await audit.record({ action: 'voice.ticket', outcome: 'allowed', user, clientIp: request.ip })
 */
export function createAudit(d: AuditDeps): Audit {
  const now = d.now ?? Date.now
  const queue: Pending[] = []
  let writing: Promise<void> | undefined
  const kick = () => {
    writing ??= drain().finally(() => {
      writing = undefined
      if (queue.length) kick() // queued between the last batch and this callback
    })
  }

  function toRow(p: Pending, seq: number, prevHash: string): AuditRow {
    const e = p.event
    const row: Omit<AuditRow, 'hash'> = {
      id: randomUUID(),
      seq,
      at: p.at,
      action: e.action,
      outcome: e.outcome,
      reason: cut(e.reason, 64),
      userId: cut(e.user?.userId, 128),
      phoneMasked: cut(e.user?.phoneMasked, 32),
      clientIp: cut(e.clientIp, 64),
      userAgent: cut(e.userAgent, 512),
      keyId: cut(e.keyId, 64),
      requestId: cut(e.requestId, 64),
      detail: e.detail ? cut(JSON.stringify(e.detail), 4000) : null,
      prevHash,
    }
    return { ...row, hash: hashOf(d.chainKey, row) }
  }

  /** The chain's head as this process last wrote it; re-read only when another writer moved it. */
  let head: { seq: number; hash: string } | undefined

  async function append(batch: Pending[]): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      head ??= (await d.store.lastAudit()) ?? { seq: 0, hash: GENESIS }
      let seq = head.seq
      let prev = head.hash
      const rows = batch.map((p) => {
        const row = toRow(p, ++seq, prev)
        prev = row.hash
        return row
      })
      let written = false
      try {
        written = await d.store.appendAudit(rows)
      } finally {
        head = written ? { seq, hash: prev } : undefined
      }
      if (written) return true
      // Another instance took the seq: back off a little, at random, so two losers do not collide again.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)))
    }
    throw new Error(`audit chain still contended after ${MAX_ATTEMPTS} attempts`)
  }

  async function drain() {
    while (queue.length) {
      const batch = queue.splice(0, MAX_BATCH)
      let ok = false
      try {
        // A MySQL blip is waited out (≈ 16 s in all); anything else, or a longer outage, loses the batch.
        const retry = { retries: FAULT_RETRIES, backoffMs: FAULT_BACKOFF_MS, onRetry: d.onRetry }
        ok = await retryOnFault(() => append(batch), retry)
      } catch (err) {
        d.log.error({ err, lost: batch.map((p) => p.event.action) }, 'audit events could not be written')
      }
      for (const p of batch) {
        d.onWritten?.(p.event, ok)
        p.done(ok)
      }
    }
  }

  return {
    /** Appends one event; resolves true once it is in the chain, false (logged) when it could not be. */
    record(event: AuditEvent): Promise<boolean> {
      return new Promise((done) => {
        queue.push({ event, at: now(), done })
        kick()
      })
    },
    /** Waits for queued events (shutdown, tests). */
    async flush() {
      while (writing) await writing
    },
  }
}
