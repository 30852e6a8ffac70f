/**
 * Finishing an answer whose instance died (issue 5): ask Coze for the chat's final state
 * (`/v3/chat/retrieve` + `/v3/chat/message/list`), append what the log is missing plus the terminal
 * event, and archive the row — `completed` if Coze finished it, otherwise `interrupted`.
 * One instance at a time per message (a kv lock); a resuming widget simply keeps following the log.
 */
import type { Logger } from 'pino'
import type { CozeClient } from '../coze/client'
import type { CozeChat } from '../coze/events'
import type { Kv } from '../kv/types'
import type { MessageFinish, MessageRow, Store } from '../store/types'
import type { LoggedEvent, StreamLog } from '../streams'
import type { StreamEvent } from '../wire'
import type { ChatObserver } from './observer'

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

const RUNNING: CozeChat['status'][] = ['created', 'in_progress']
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
      const chat = row.cozeChatId ? await waitForCoze(row, deadline) : undefined
      const soFar = textOf(logged)
      // The dead instance may have sent the widget events it never got to log: continue far above any
      // seq it could have used, and restart the answer with `meta` so no widget shows text twice.
      let seq = (logged.at(-1)?.seq ?? -1) + 1 + RECOVERY_SEQ_GAP
      const append = (e: StreamEvent) => d.streams.append(row.id, { ...e, seq: seq++ } as LoggedEvent)
      append({ event: 'meta', data: { messageId: row.id, conversationId: row.conversationId } })
      let finish: MessageFinish
      if (chat?.status === 'completed') {
        const messages = await d.coze.listChatMessages(row.conversationId, chat.id)
        const full = messages
          .filter((m) => m.type === 'answer')
          .map((m) => m.content)
          .join('')
        if (full) append({ event: 'delta', data: { text: full } })
        const items = messages.filter((m) => m.type === 'follow_up').map((m) => m.content)
        if (items.length) append({ event: 'suggestions', data: { items } })
        const usage = {
          inputTokens: chat.usage?.input_count ?? 0,
          outputTokens: chat.usage?.output_count ?? 0,
        }
        append({ event: 'done', data: { status: 'completed', usage } })
        finish = finishOf('completed', full, null, usage)
      } else {
        const cancelled = chat?.status === 'canceled'
        const code = cancelled ? 'CANCELLED' : 'INTERRUPTED'
        const message = cancelled
          ? 'The answer was cancelled'
          : 'The instance answering stopped before the answer ended'
        if (soFar) append({ event: 'delta', data: { text: soFar } })
        append({ event: 'error', data: { code, message } })
        finish = finishOf(cancelled ? 'cancelled' : 'interrupted', soFar, { code, message })
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

  /** Coze may still be generating (it does not stop when we disconnect): poll until it ends. */
  async function waitForCoze(row: MessageRow, deadline: number): Promise<CozeChat | undefined> {
    for (;;) {
      const chat = await d.coze.retrieveChat(row.conversationId, row.cozeChatId!)
      if (!RUNNING.includes(chat.status) || now() > deadline) return chat
      await new Promise((r) => setTimeout(r, d.pollMs))
    }
  }

  async function finishFromLog(row: MessageRow, logged: LoggedEvent[]) {
    const last = logged.at(-1)!
    const failed = last.event === 'error' ? last.data : null
    const usage = last.event === 'done' ? last.data.usage : null
    const status = !failed ? 'completed' : failed.code === 'CANCELLED' ? 'cancelled' : 'interrupted'
    await closeRow(row, finishOf(status, textOf(logged), failed, usage))
    return true
  }

  function finishOf(
    status: MessageFinish['status'],
    answer: string,
    error: { code: string; message: string } | null,
    usage?: { inputTokens: number; outputTokens: number } | null,
  ): MessageFinish {
    return {
      status,
      answer,
      reasoning: null,
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
      inputTokens: usage?.inputTokens ?? null,
      outputTokens: usage?.outputTokens ?? null,
      firstTokenAt: null,
      finishedAt: now(),
    }
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
