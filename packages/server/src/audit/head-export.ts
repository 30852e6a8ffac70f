/**
 * Exports the audit chain's head outside the database (issue 20 #5): every `intervalMs`, when the head
 * moved, one `audit head` log line and, with `AUDIT_HEAD_FILE`, one JSON line appended to that file.
 * `audit:verify --head-file` checks the chain against every head kept: rows cut from the end, or a chain
 * rebuilt (even by someone holding `AUDIT_KEY`), no longer match. Keep the file, or the log, where the
 * database's users cannot write.
 */
import { appendFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { AuditRepository } from '../store/types'

export interface HeadExportDeps {
  store: Pick<AuditRepository, 'lastAudit'>
  log: Logger
  intervalMs: number
  file?: string
  now?: () => number
}

/**
 * A lifecycle part (`lifecycle.ts`): the timer runs from `start()`; `stop()` exports once more.
 *
 * @example
 * const heads = createHeadExport({ store, log, intervalMs: 60_000, file: '/var/lib/vc/audit-head.jsonl' })
 * heads.start()
 * await heads.stop() // exports once more
 */
export function createHeadExport(d: HeadExportDeps) {
  const now = d.now ?? Date.now
  let lastSeq = 0
  let running: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined

  async function exportHead(): Promise<void> {
    const head = await d.store.lastAudit()
    if (!head || head.seq === lastSeq) return
    d.log.info({ auditHead: { seq: head.seq, hash: head.hash } }, 'audit head')
    if (d.file) {
      const line = { at: new Date(now()).toISOString(), seq: head.seq, hash: head.hash }
      await appendFile(d.file, `${JSON.stringify(line)}\n`, { mode: 0o600 })
    }
    lastSeq = head.seq
  }

  /** One export at a time; a failure is logged and retried at the next tick. */
  const tick = () =>
    (running ??= exportHead()
      .catch((err: unknown) => d.log.warn({ err }, 'audit head export failed'))
      .finally(() => (running = undefined)))

  return {
    name: 'audit head export',
    exportNow: tick,
    start() {
      clearInterval(timer)
      timer = setInterval(() => void tick(), d.intervalMs) // cannot reject: `tick` logs its failure
      timer.unref()
    },
    async stop() {
      clearInterval(timer)
      await running
      await tick()
    },
  }
}

/** Created and started at once (tests, tools). */
export function startHeadExport(d: HeadExportDeps) {
  const heads = createHeadExport(d)
  heads.start()
  return heads
}
