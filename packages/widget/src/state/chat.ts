/**
 * Chat state and its pure reducer. Every change goes through `applyEvent`, so what the panel shows
 * after any sequence of stream events, history pages and failures is tested without a DOM.
 */
import { parseEventId, type SseEvent } from '../api/stream'

export type MessageStatus = 'pending' | 'streaming' | 'completed' | 'failed' | 'cancelled' | 'interrupted'

export interface ChatMessage {
  localId: string
  messageId: string | null
  /** Reused when the same question is sent again after a transport failure (SPEC §2.2 idempotency). */
  clientMessageId: string | null
  question: string
  answer: string
  reasoning: string
  suggestions: string[]
  status: MessageStatus
  /** `fromStream`: the service ended the answer with an `error` event (not a lost connection). */
  error: { code: string; message: string; fromStream: boolean } | null
  /** Highest `seq` applied: replayed events after a resume are dropped. */
  lastSeq: number
  lastEventId: string
}

export interface ChatState {
  conversationId: string | null
  /** Oldest first. */
  messages: ChatMessage[]
  /** `nextBefore` of the last history page; null when there is nothing older. */
  olderCursor: string | null
}

/** The widget events of SPEC §2.2, parsed. */
export type WireEvent =
  | { event: 'meta'; data: { messageId: string; conversationId: string } }
  | { event: 'delta'; data: { text: string } }
  | { event: 'reasoning'; data: { text: string } }
  | { event: 'suggestions'; data: { items: string[] } }
  | { event: 'done'; data: { status: string } }
  | { event: 'error'; data: { code: string; message: string } }

export interface HistoryItem {
  messageId: string
  conversationId: string
  question: string
  answer: string
  status: string
  askedAt: string
  finishedAt?: string | null
  errorCode?: string | null
}

export type ChatEvent =
  | { type: 'asked'; localId: string; question: string; clientMessageId: string }
  | { type: 'resent'; localId: string; clientMessageId: string }
  | { type: 'attached'; localId: string }
  | { type: 'stream'; localId: string; id: string; wire: WireEvent }
  | { type: 'failed'; localId: string; code: string; message: string }
  | { type: 'history'; conversationId: string; items: HistoryItem[]; nextBefore: string | null }
  | { type: 'reset' }

export const initialState = (): ChatState => ({ conversationId: null, messages: [], olderCursor: null })

/** Turns an SSE event into a typed wire event; unknown events and malformed data give undefined. */
export function parseWireEvent(e: SseEvent): WireEvent | undefined {
  let data: Record<string, unknown>
  try {
    data = JSON.parse(e.data) as Record<string, unknown>
  } catch {
    return undefined // not our JSON: ignored like an unknown event
  }
  if (typeof data !== 'object' || data === null) return undefined
  const str = (k: string) => typeof data[k] === 'string'
  switch (e.event) {
    case 'meta':
      return str('messageId') && str('conversationId') ? ({ event: 'meta', data } as WireEvent) : undefined
    case 'delta':
    case 'reasoning':
      return str('text') ? ({ event: e.event, data } as WireEvent) : undefined
    case 'suggestions':
      return Array.isArray(data.items)
        ? { event: 'suggestions', data: { items: data.items.filter((x) => typeof x === 'string') } }
        : undefined
    case 'done':
      return { event: 'done', data: { status: str('status') ? (data.status as string) : 'completed' } }
    case 'error':
      return {
        event: 'error',
        data: { code: str('code') ? (data.code as string) : 'UNKNOWN', message: String(data.message ?? '') },
      }
    default:
      return undefined
  }
}

const blank = (localId: string, question: string): ChatMessage => ({
  localId,
  messageId: null,
  clientMessageId: null,
  question,
  answer: '',
  reasoning: '',
  suggestions: [],
  status: 'pending',
  error: null,
  lastSeq: -1,
  lastEventId: '',
})

const FINAL: Record<string, MessageStatus> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
}

/** Local id of a message that came from history. */
export const historyId = (messageId: string) => `h:${messageId}`

export const isFinalEvent = (e: SseEvent) => e.event === 'done' || e.event === 'error'

export function applyEvent(state: ChatState, ev: ChatEvent): ChatState {
  switch (ev.type) {
    case 'asked':
      return {
        ...state,
        messages: [
          ...state.messages,
          { ...blank(ev.localId, ev.question), clientMessageId: ev.clientMessageId },
        ],
      }
    case 'resent':
      return update(state, ev.localId, (m) => ({
        ...blank(m.localId, m.question),
        clientMessageId: ev.clientMessageId,
      }))
    case 'attached':
      // Resuming from the start replays the whole answer: clear what history had.
      return update(state, ev.localId, (m) => ({
        ...m,
        answer: '',
        reasoning: '',
        status: 'pending',
        lastSeq: -1,
      }))
    case 'stream':
      return update(state, ev.localId, (m) => applyWire(m, ev.id, ev.wire), ev.wire)
    case 'failed':
      return update(state, ev.localId, (m) => ({
        ...m,
        status: 'failed',
        error: { code: ev.code, message: ev.message, fromStream: false },
      }))
    case 'history':
      return applyHistory(state, ev)
    case 'reset':
      return initialState()
  }
}

function update(
  state: ChatState,
  localId: string,
  fn: (m: ChatMessage) => ChatMessage,
  wire?: WireEvent,
): ChatState {
  const i = state.messages.findIndex((m) => m.localId === localId)
  if (i === -1) return state
  const before = state.messages[i]!
  const after = fn(before)
  if (after === before) return state
  const messages = state.messages.slice()
  messages[i] = after
  const conversationId = wire?.event === 'meta' ? wire.data.conversationId : state.conversationId
  return { ...state, messages, conversationId }
}

function applyWire(m: ChatMessage, id: string, wire: WireEvent): ChatMessage {
  const seq = parseEventId(id)?.seq
  if (seq !== undefined && seq <= m.lastSeq) return m // replayed after a resume
  const next: ChatMessage = { ...m, lastSeq: seq ?? m.lastSeq, lastEventId: id || m.lastEventId }
  switch (wire.event) {
    case 'meta':
      // `meta` starts the answer; a later one (recovery, archive replay) restarts it from scratch.
      return { ...next, messageId: wire.data.messageId, answer: '', reasoning: '', suggestions: [] }
    case 'delta':
      return { ...next, answer: m.answer + wire.data.text, status: 'streaming' }
    case 'reasoning':
      return { ...next, reasoning: m.reasoning + wire.data.text }
    case 'suggestions':
      return { ...next, suggestions: wire.data.items }
    case 'done':
      return { ...next, status: FINAL[wire.data.status] ?? 'completed' }
    case 'error':
      return {
        ...next,
        status: wire.data.code === 'CANCELLED' ? 'cancelled' : 'failed',
        error: { code: wire.data.code, message: wire.data.message, fromStream: true },
      }
  }
}

function applyHistory(state: ChatState, ev: Extract<ChatEvent, { type: 'history' }>): ChatState {
  // A send that started a new conversation before the page arrived wins over the old one.
  if (state.conversationId && state.conversationId !== ev.conversationId) return state
  const known = new Set(state.messages.map((m) => m.messageId))
  const older = ev.items
    .filter((it) => !known.has(it.messageId))
    .reverse() // the API pages newest first; the panel lists oldest first
    .map((it): ChatMessage => ({
      ...blank(historyId(it.messageId), it.question),
      messageId: it.messageId,
      answer: it.answer ?? '',
      status: it.status === 'in_progress' ? 'pending' : (FINAL[it.status] ?? 'completed'),
      // The service closed these answers itself: a retry asks afresh.
      error: it.errorCode ? { code: it.errorCode, message: '', fromStream: true } : null,
    }))
  return {
    conversationId: ev.conversationId,
    messages: [...older, ...state.messages],
    olderCursor: ev.nextBefore,
  }
}
