/**
 * The retention job (issue 6): chat rows older than `RETENTION_DAYS` are deleted, once an hour, by one
 * instance at a time (a lock). Audit rows are never deleted: the job audits its own run instead.
 */
import type { Logger } from 'pino'
import { keys } from '../core/kv/keys'
import type { Locks } from '../core/kv/locks'
import type { DeletedCounts, UserDataRepository } from '../store/types'
import type { Audit } from './audit'

const DAY_MS = 86_400_000
const LOCK = keys.retentionLock()

export interface RetentionDeps {
  store: Pick<UserDataRepository, 'deleteChatDataBefore'>
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
 * @example const job = createRetentionJob({ store, audit, locks, log, days: 180 }); job.start(); … job.stop()
 */
export function createRetentionJob(d: RetentionDeps & { locks: Locks; log: Logger; everyMs?: number }) {
  const everyMs = d.everyMs ?? 3_600_000
  const owner = `${process.pid}-${Math.random().toString(36).slice(2)}`
  let timer: NodeJS.Timeout | undefined
  const pass = async () => {
    try {
      if (!(await d.locks.acquire(LOCK, owner, everyMs))) return
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
      timer = setInterval(() => void pass(), everyMs) // cannot reject: `pass` logs its failure
      timer.unref()
    },
    stop: () => clearInterval(timer),
  }
}
