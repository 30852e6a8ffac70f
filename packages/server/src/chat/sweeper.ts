/**
 * Finds answers left `in_progress` whose instance is gone (a crash, a kill) and hands them to recovery
 * (issue 5, SPEC §6). Runs on every instance, at start-up and then periodically; recovery's lock makes
 * sure only one instance works on a given answer.
 */
import type { Logger } from 'pino'
import type { MessageRepository, MessageRow } from '../store/types'
import type { Recovery } from './recovery'
import type { Running } from './running'

export interface SweeperOptions {
  store: MessageRepository
  running: Running
  recovery: Recovery
  log: Logger
  intervalMs: number
  /** Rows younger than this are left alone (their owner's heartbeat may not have been missed yet). */
  minAgeMs: number
  now?: () => number
}

export function createSweeper(o: SweeperOptions) {
  const now = o.now ?? Date.now
  let timer: NodeJS.Timeout | undefined

  /** Recovery of an orphan starts in the background: Coze may still be generating it. */
  async function recoverIfOrphaned(row: MessageRow) {
    if ((await o.running.ownerOf(row.id)) !== 'orphan') return
    void o.recovery.recover(row) // cannot reject: `recover` logs its failures; its stop awaits it
  }

  async function sweepOnce() {
    const rows = await o.store.listInProgress(now() - o.minAgeMs, 100)
    for (const row of rows) await recoverIfOrphaned(row)
    return rows.length
  }

  return {
    recoverIfOrphaned: (row: MessageRow) =>
      void recoverIfOrphaned(row).catch((err: unknown) =>
        o.log.warn({ err, messageId: row.id }, 'orphan check failed'),
      ),
    sweepOnce,
    start() {
      const run = () => void sweepOnce().catch((err: unknown) => o.log.warn({ err }, 'sweep failed'))
      run()
      timer = setInterval(run, o.intervalMs)
      timer.unref()
    },
    stop: () => clearInterval(timer),
  }
}

export type Sweeper = ReturnType<typeof createSweeper>
