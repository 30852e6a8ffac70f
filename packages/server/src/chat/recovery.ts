/**
 * Finishing an answer whose instance died (issue 5): ask Coze for the chat's final state
 * (`/v3/chat/retrieve` + `/v3/chat/message/list`), append what the log is missing plus the terminal
 * event, and archive the row as Coze ended it (`completed`, `failed` with Coze's code, `cancelled`), or
 * `interrupted` when Coze did not end it within the answer's time limit.
 * One instance at a time per message (a kv lock); a resuming widget simply keeps following the log.
 */
import type { Logger } from 'pino'
import type { CozeClient } from '../coze/client'
import type { Kv } from '../kv/types'
import type { MessageFinish, MessageRow, Store } from '../store/types'
import type { LoggedEvent, StreamLog } from '../streams'
import type { StreamEvent } from '../wire'
import { eventsAfterBreak } from './after-break'
import { finishOf } from './archive'
import { newAnswerState, normalise } from './normalise'
import type { ChatObserver } from './observer'
import { outcomeOfEvent, stopped, terminalEvent } from './outcome'

export interface RecoveryDeps {
  store: Store
  kv: Kv
  coze: CozeClient
  streams: StreamLog
  log: Logger
  observer: Required<ChatObserver>
  maxAnswerMs: number
  pollMs: number
  now?: () => number
}

/** Far more events than an instance can have sent but not yet logged (one flush window's worth). */
export const RECOVERY_SEQ_GAP = 100_000

export function createRecovery(d: RecoveryDeps) {
  const now = d.now ?? Date.now
  const inFlight = new Set<string>()

  /** Reconciles one orphaned row; resolves false when another instance is already on it. */
  async function recover(row: MessageRow): Promise<boolean> {
    if (inFlight.has(row.id)) return false
    const deadline = row.askedAt + d.maxAnswerMs
    const lock = `recover:${row.id}`
    if (!(await d.kv.set(lock, '1', { nx: true, ttlMs: Math.max(deadline - now(), 0) + 60_000 })))
      return false
    inFlight.add(row.id)
    try {
      const logged = await d.streams.read(row.id)
      if (logged.some((e) => e.event === 'done' || e.event === 'error')) return finishFromLog(row, logged)
      // Coze's own account of the chat, through the same normaliser as a live stream (parts, cards,
      // Coze's codes), from its first message: the widget is told to restart the answer below.
      const state = newAnswerState()
      const events = row.cozeChatId
        ? await eventsAfterBreak(
            d.coze,
            { conversationId: row.conversationId, chatId: row.cozeChatId },
            () => 0,
            { deadline, pollMs: d.pollMs, now },
          )
        : []
      const out = events.flatMap((e) => normalise(state, e))
      // The dead instance may have sent the widget events it never got to log: continue far above any
      // seq it could have used, and restart the answer with `meta` so no widget shows text twice.
      let seq = (logged.at(-1)?.seq ?? -1) + 1 + RECOVERY_SEQ_GAP
      const append = (e: StreamEvent) => d.streams.append(row.id, { ...e, seq: seq++ } as LoggedEvent)
      append({ event: 'meta', data: { messageId: row.id, conversationId: row.conversationId } })
      let finish: MessageFinish
      if (state.outcome) {
        out.forEach(append)
        finish = finishOf(
          state.outcome,
          { text: state.answer, reasoning: state.reasoning, parts: state.parts },
          at(),
        )
      } else {
        // Coze did not end it in time (or never started it): what the log holds is all there is.
        const soFar = textOf(logged)
        if (soFar) append({ event: 'delta', data: { text: soFar } })
        const interrupted = stopped.shutdown()
        append(terminalEvent(interrupted))
        finish = finishOf(interrupted, { text: soFar }, at())
      }
      await d.streams.flush()
      await closeRow(row, finish)
      return true
    } catch (err) {
      d.log.error({ err, messageId: row.id }, 'recovery failed')
      await d.kv.del(lock) // let the next sweep try again
      return false
    } finally {
      inFlight.delete(row.id)
    }
  }

  const at = () => ({ firstTokenAt: null, finishedAt: now() })

  async function finishFromLog(row: MessageRow, logged: LoggedEvent[]) {
    const o = outcomeOfEvent(logged.at(-1)!)
    await closeRow(row, finishOf(o, { text: textOf(logged) }, at()))
    return true
  }

  async function closeRow(row: MessageRow, finish: MessageFinish) {
    await d.store.finishMessage(row.id, finish)
    await d.kv.delIfEquals(`conv-busy:${row.conversationId}`, row.id)
    d.observer.sweeperRepaired({ messageId: row.id, status: finish.status })
    d.log.info({ messageId: row.id, status: finish.status }, 'orphaned answer recovered')
  }

  return { recover }
}

export type Recovery = ReturnType<typeof createRecovery>

/** The answer text a log carries: its deltas since the last `meta` (a `meta` restarts the answer). */
export function textOf(events: LoggedEvent[]): string {
  let text = ''
  let textPart = false
  for (const e of events) {
    if (e.event === 'meta') [text, textPart] = ['', false]
    else if (e.event === 'part') textPart = e.data.kind === 'text'
    else if (e.event === 'delta') {
      // A later answer message starts a part of its own: the archive joins them with a blank line.
      if (textPart && text) text += '\n\n'
      textPart = false
      text += e.data.text
    }
  }
  return text
}
