/**
 * Finishing an answer whose instance died or handed it over (issues 5, 19): ask Coze for the chat's
 * final state (`/v3/chat/retrieve` until it ends, then `/v3/chat/message/list`), append what comes
 * after the log's last position plus the terminal event, and archive the row as Coze ended it
 * (`completed`, `failed` with Coze's code, `cancelled`), or `interrupted` when Coze did not end it
 * within the answer's time limit.
 * One instance at a time per message (a lock naming the instance, taken over once that instance is
 * gone); a resuming widget simply keeps following the log.
 */
import type { Logger } from 'pino'
import type { CozeClient } from '../core/coze/client'
import type { CozeEvent } from '../core/coze/events'
import { keys } from '../core/kv/keys'
import type { Locks } from '../core/kv/locks'
import type { MessageFinish, MessageRepository, MessageRow } from '../store/types'
import { type LoggedEvent, type StreamLog } from '../core/streams/types'
import type { StreamEvent } from '../core/wire'
import { eventsAfterBreak } from './after-break'
import { finishOf } from './archive'
import { eventsAfter, positioned } from './event-id'
import { newAnswerState, normalise } from './normalise'
import type { ChatObserver } from './observer'
import { outcomeOfEvent, stopped, terminalEvent } from './outcome'
import type { Running } from './running'
import { isTerminalEvent } from '../core/streams/types'

export interface RecoveryDeps {
  store: MessageRepository
  locks: Locks
  coze: CozeClient
  streams: StreamLog
  log: Logger
  observer: Required<ChatObserver>
  maxAnswerMs: number
  pollMs: number
  /** Names this instance in its locks and tells whether another lock holder is still alive. */
  running?: Pick<Running, 'instanceId' | 'isAlive'>
  now?: () => number
}

/**
 * Far more positions than an instance can have sent but not yet logged (one flush window's worth):
 * an answer Coze did not finish ends this far past the log, so the end is never behind a client.
 */
export const UNLOGGED_MARGIN = 100_000

export function createRecovery(d: RecoveryDeps) {
  const now = d.now ?? Date.now
  const me = d.running?.instanceId ?? 'recovery'
  const inFlight = new Map<string, { stop: AbortController; done: Promise<boolean> }>()
  let closed = false

  /** Takes the message's lock, or a lock whose instance is gone (killed or drained mid-recovery). */
  async function lock(key: string, ttlMs: number): Promise<boolean> {
    if (await d.locks.acquire(key, me, ttlMs)) return true
    const holder = await d.locks.holder(key)
    if (!holder || holder === me || !d.running || (await d.running.isAlive(holder))) return false
    return (await d.locks.release(key, holder)) && d.locks.acquire(key, me, ttlMs)
  }

  /** Reconciles one orphaned row; resolves false when another instance is already on it. */
  function recover(row: MessageRow): Promise<boolean> {
    if (closed || inFlight.has(row.id)) return Promise.resolve(false)
    const stop = new AbortController()
    const done = run(row, stop.signal)
      .catch((err: unknown) => {
        d.log.warn({ err, messageId: row.id }, 'recovery could not take or free its lock')
        return false
      })
      .finally(() => inFlight.delete(row.id))
    inFlight.set(row.id, { stop, done })
    return done
  }

  async function run(row: MessageRow, signal: AbortSignal): Promise<boolean> {
    const deadline = row.askedAt + d.maxAnswerMs
    const key = keys.recover(row.id)
    if (!(await lock(key, Math.max(deadline - now(), 0) + 60_000))) return false
    try {
      const logged = await d.streams.read(row.id)
      if (logged.some(isTerminalEvent)) return await finishFromLog(row, logged)
      // Coze's own account of the chat, through the same normaliser as a live stream (parts, cards,
      // Coze's codes), from its first message: the same positions the live stream had.
      const state = newAnswerState()
      const ids = { conversationId: row.conversationId, chatId: row.cozeChatId ?? '' }
      const events = row.cozeChatId
        ? await eventsAfterBreak(d.coze, ids, () => 0, { deadline, pollMs: d.pollMs, now, signal })
        : []
      if (signal.aborted) {
        await d.locks.release(key, me) // this instance is draining: a peer takes it from here
        return false
      }
      const meta: StreamEvent = {
        event: 'meta',
        data: { messageId: row.id, conversationId: row.conversationId },
      }
      const last = logged.at(-1)?.seq ?? -1
      let finish: MessageFinish
      const out = events.flatMap((e) => normalise(state, e))
      if (state.outcome) {
        // Website A's tool calls are not in Coze's message list: they keep their places before the
        // answer (Coze calls tools before it answers).
        const answer = [meta, ...toolActionsOf(logged), ...out]
        eventsAfter(positioned(answer), last).forEach((e) => append(row.id, e))
        const { answer: text, reasoning, parts, suggestions } = state
        finish = {
          ...finishOf(state.outcome, { text, reasoning, parts, suggestions }, at()),
          cozeMessageId: lastAnswerIdOf(events), // for feedback, as the relay archives it
        }
      } else {
        // Coze did not end it in time (or never started it): what the log holds is all there is.
        const interrupted = stopped.shutdown()
        if (last < 0) append(row.id, { ...meta, seq: 0 })
        append(row.id, { ...terminalEvent(interrupted), seq: Math.max(last, 0) + UNLOGGED_MARGIN })
        finish = finishOf(interrupted, { text: textOf(logged) }, at())
      }
      await d.streams.flush()
      await closeRow(row, finish)
      return true
    } catch (err) {
      d.log.error({ err, messageId: row.id }, 'recovery failed')
      await d.locks.release(key, me) // let the next sweep try again
      return false
    }
  }

  const append = (messageId: string, e: StreamEvent & { seq: number }) =>
    d.streams.append(messageId, e as LoggedEvent)

  const at = () => ({ firstTokenAt: null, finishedAt: now() })

  async function finishFromLog(row: MessageRow, logged: LoggedEvent[]) {
    const o = outcomeOfEvent(logged.at(-1)!)
    await closeRow(row, finishOf(o, { text: textOf(logged) }, at()))
    return true
  }

  async function closeRow(row: MessageRow, finish: MessageFinish) {
    await d.store.finishMessage(row.id, finish)
    await d.locks.release(keys.conversationBusy(row.conversationId), row.id)
    d.observer.sweeperRepaired({ messageId: row.id, status: finish.status })
    d.log.info({ messageId: row.id, status: finish.status }, 'orphaned answer recovered')
  }

  return {
    recover,
    /**
     * A drain: recoveries running here stop without writing anything and free their locks, so that a
     * peer takes them over (the widget's resume lands there); no new one starts.
     */
    async stop() {
      closed = true
      const running = [...inFlight.values()]
      for (const r of running) r.stop.abort()
      await Promise.allSettled(running.map((r) => r.done))
    },
  }
}

export type Recovery = ReturnType<typeof createRecovery>

/** Coze's id of the last answer message, as the relay keeps it (relay-read.ts): what feedback rates. */
function lastAnswerIdOf(events: CozeEvent[]): string | null {
  let id: string | null = null
  for (const e of events) if (e.kind === 'message' && e.message.type === 'answer') id = e.message.id
  return id
}

const toolActionsOf = (logged: LoggedEvent[]): StreamEvent[] =>
  logged
    .filter((e) => e.event === 'action' && e.data.kind === 'tool')
    .map(({ seq: _seq, ...e }) => e as StreamEvent)

/** The answer text a log carries: its deltas, text parts joined by a blank line as archived. */
export function textOf(events: LoggedEvent[]): string {
  let text = ''
  let textPart = false
  for (const e of events) {
    if (e.event === 'part') textPart = e.data.kind === 'text'
    else if (e.event === 'delta') {
      // A later answer message starts a part of its own: the archive joins them with a blank line.
      if (textPart && text) text += '\n\n'
      textPart = false
      text += e.data.text
    }
  }
  return text
}
