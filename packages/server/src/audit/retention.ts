/**
 * The retention job (issue 6): chat rows older than `RETENTION_DAYS` are deleted, once an hour, by one
 * instance at a time (a Kv lock). Audit rows are never deleted: the job audits its own run instead.
 */
import type { Logger } from 'pino'
import { keys } from '../core/kv/keys'
import type { Kv } from '../core/kv/types'
import type { DeletedCounts, Store } from '../store/types'
import type { Audit } from './audit'

const DAY_MS = 86_400_000
const LOCK = keys.retentionLock()

export interface RetentionDeps {
  store: Store
  audit: Audit
  days: number
  now?: () => number
}

/** One pass: deletes and audits; returns what went. */
export async function runRetention(d: RetentionDeps, operator = 'service'): Promise<DeletedCounts> {
  const cutoff = (d.now ?? Date.now)() - d.days * DAY_MS
  const deleted = await d.store.deleteChatDataBefore(cutoff)
  await d.audit.record({
    action: 'data.retention',
    outcome: 'allowed',
    userAgent: operator,
    detail: { days: d.days, cutoff, ...deleted },
  })
  return deleted
}

/**
 * Runs `runRetention` every `everyMs`, from `start()`, on whichever instance gets the lock; a lifecycle
 * part (`lifecycle.ts`). With `days` ≤ 0, `start()` schedules nothing.
 *
 * @example const job = createRetentionJob({ store, audit, kv, log, days: 180 }); job.start(); … job.stop()
 */
export function createRetentionJob(d: RetentionDeps & { kv: Kv; log: Logger; everyMs?: number }) {
  const everyMs = d.everyMs ?? 3_600_000
  const owner = `${process.pid}-${Math.random().toString(36).slice(2)}`
  let timer: NodeJS.Timeout | undefined
  const pass = async () => {
    try {
      if (!(await d.kv.set(LOCK, owner, { nx: true, ttlMs: everyMs }))) return
      const deleted = await runRetention(d)
      d.log.info({ deleted, days: d.days }, 'retention pass done')
    } catch (err) {
      d.log.error({ err }, 'retention pass failed')
    }
  }
  return {
    name: 'retention',
    start() {
      if (d.days <= 0 || timer) return
      timer = setInterval(() => void pass(), everyMs)
      timer.unref()
    },
    stop: () => clearInterval(timer),
  }
}
