/**
 * A broken or idle upstream is not a failed answer (coze-protocol §9 row 8, SPEC §2.7): Coze finishes
 * a chat whose stream we lost. This asks Coze how the chat ended and turns that into the Coze events
 * the live stream would still have carried, so the relay feeds them through the same `normalise()`.
 * It also waits out Coze's 4016 when a new chat meets such a chat still running.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { CozeApiError, type CozeClient } from '../core/coze/client'
import type { CozeChat, CozeChatStatus, CozeEvent, CozeMessage } from '../core/coze/events'

type CozeReader = Pick<CozeClient, 'retrieveChat' | 'listChatMessages'>

export interface PollOptions {
  /** Epoch ms (on `now`'s clock) after which we stop waiting for Coze. */
  deadline: number
  pollMs: number
  signal?: AbortSignal
  now?: () => number
}

const RUNNING: CozeChatStatus[] = ['created', 'in_progress']
const DELTA = 'conversation.message.delta'
const COMPLETED = 'conversation.message.completed'

/**
 * The rest of a chat whose stream broke, as Coze events: the undelivered text of each answer message
 * (a delta), whole non-text answers and follow-ups (`completed`), then the chat's terminal event.
 * `delivered(messageId)` is how many UTF-16 units of that message's text the widget already has
 * (0 for an unknown id; `Infinity` for a message relayed whole). Resolves `[]` when the chat still
 * runs at the deadline or the signal aborted: the caller then fails as it would have. Errors of
 * retrieve and message list (network, 4101, 5xx) are the caller's.
 */
export async function eventsAfterBreak(
  coze: CozeReader,
  ids: { conversationId: string; chatId: string },
  delivered: (messageId: string) => number,
  opts: PollOptions,
): Promise<CozeEvent[]> {
  const chat = await settledChat(coze, ids, opts)
  if (!chat) return []
  switch (chat.status) {
    case 'completed': {
      const messages = await coze.listChatMessages(ids.conversationId, ids.chatId)
      return [...restOf(messages, delivered), { kind: 'chat', name: 'conversation.chat.completed', chat }]
    }
    case 'failed':
      return [{ kind: 'chat', name: 'conversation.chat.failed', chat }]
    case 'requires_action': {
      // A question node's question is an answer message: the widget must have it before the action.
      const messages = await coze.listChatMessages(ids.conversationId, ids.chatId)
      return [
        ...restOf(messages, delivered),
        { kind: 'chat', name: 'conversation.chat.requires_action', chat },
      ]
    }
    case 'canceled':
      return [{ kind: 'chat', name: 'conversation.chat.canceled', chat }]
    default:
      return []
  }
}

/** Retrieves the chat until it is no longer running; undefined at the deadline or on abort. */
async function settledChat(
  coze: CozeReader,
  ids: { conversationId: string; chatId: string },
  opts: PollOptions,
): Promise<CozeChat | undefined> {
  const now = opts.now ?? Date.now
  for (;;) {
    if (opts.signal?.aborted) return undefined
    const chat = await coze.retrieveChat(ids.conversationId, ids.chatId)
    if (!RUNNING.includes(chat.status)) return chat
    const left = opts.deadline - now()
    if (left <= 0 || !(await pause(Math.min(opts.pollMs, left), opts.signal))) return undefined
  }
}

function restOf(messages: CozeMessage[], delivered: (messageId: string) => number): CozeEvent[] {
  const out: CozeEvent[] = []
  for (const m of messages) {
    if (m.role !== 'assistant' || !m.content) continue
    if (m.type === 'follow_up') out.push({ kind: 'message', name: COMPLETED, message: m })
    if (m.type !== 'answer') continue
    const sent = delivered(m.id)
    if (m.content_type !== 'text') {
      // Cards and object_string arrive whole (`completed` only): relayed or not, never in part.
      if (sent === 0) out.push({ kind: 'message', name: COMPLETED, message: m })
      continue
    }
    if (sent >= m.content.length) continue
    // Coze's reasoning comes before its text: once text was delivered, so was the reasoning.
    const rest = { ...m, content: m.content.slice(sent), ...(sent > 0 && { reasoning_content: '' }) }
    out.push({ kind: 'message', name: DELTA, message: rest })
  }
  return out
}

/**
 * Opens a chat, waiting while Coze still runs an earlier chat of the conversation (4016: one our side
 * gave up on; we hold the conversation's lock, so nothing else of ours runs there). Any other error,
 * or 4016 past the deadline or after an abort, is rethrown as it came.
 */
export async function openWithBusyWait<T>(open: () => Promise<T>, opts: PollOptions): Promise<T> {
  const now = opts.now ?? Date.now
  for (;;) {
    try {
      return await open()
    } catch (err) {
      if (!(err instanceof CozeApiError && err.code === 4016)) throw err
      const left = opts.deadline - now()
      if (left <= 0 || !(await pause(Math.min(opts.pollMs, left), opts.signal))) throw err
    }
  }
}

/** Waits `ms`; false when the signal aborted first. */
async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false
  try {
    await sleep(ms, undefined, { signal })
    return true
  } catch {
    return false
  }
}
