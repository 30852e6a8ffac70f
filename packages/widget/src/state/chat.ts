/**
 * Chat state and its pure reducer. Every change goes through `applyEvent`, so what the panel shows
 * after any sequence of stream events, history pages and failures is tested without a DOM.
 */
import { parseEventId, type SseEvent } from '../api/stream'
import { toAttachments, type Attachment } from '../attachments/attachment'

export type MessageStatus =
  | 'pending'
  | 'streaming'
  | 'completed'
  /** The answer ended with the bot asking the user (`done {status:'requires_action'}`, SPEC §2.2). */
  | 'requires_action'
  | 'failed'
  | 'cancelled'
  | 'interrupted'

export type PartKind = 'text' | 'card' | 'image' | 'file'

/** One answer message of Coze's (SPEC §2.2 `part`): text grows by deltas, other kinds come whole. */
export type AnswerPart = { kind: 'text'; text: string } | { kind: Exclude<PartKind, 'text'>; data: unknown }

/** What Coze asked for (`action`): `reply` waits for the user's next input, `tool` runs on the service. */
export interface MessageAction {
  kind: 'reply' | 'tool'
  toolCallId: string
  name?: string
}

/** The question a reply answers (`POST /api/chat/reply`). */
export interface ReplyTarget {
  messageId: string
  toolCallId: string
}

export interface MessageError {
  code: string
  /** The service's own words: only for `vc-error`, never shown (the code picks the text). */
  message: string
  /** `fromStream`: the service ended the answer with an `error` event (not a lost connection). */
  fromStream: boolean
  /** Seconds, from `Retry-After` or the `error` event. */
  retryAfter?: number
}

/** The user's rating of an answer (SPEC §2.4 `POST /api/chat/feedback`), Coze's `feedback_type` values. */
export type Rating = 'like' | 'unlike'

export interface ChatMessage {
  localId: string
  messageId: string | null
  /** Reused when the same question is sent again after a transport failure (SPEC §2.2 idempotency). */
  clientMessageId: string | null
  question: string
  /** Images and files sent with the question (issue 21), in order; the text may then be ''. */
  attachments: Attachment[]
  /** The text parts joined by a blank line, as archived (SPEC §2.2). */
  answer: string
  /** Every answer message in order; empty until the first arrives. */
  parts: AnswerPart[]
  reasoning: string
  suggestions: string[]
  status: MessageStatus
  error: MessageError | null
  /** The latest `action`; a `tool` one lasts until the answer goes on. */
  action: MessageAction | null
  /** Set when this message is the user's reply to the bot's question. */
  replyTo: ReplyTarget | null
  /** When the question was asked (ms since the epoch): the send, or history's `askedAt`. */
  askedAt: number | null
  /** The first question after a "new topic" (`POST /api/chat/clear`): a divider goes above it. */
  newTopic: boolean
  /** From history: a new topic began after this answer (its `newTopicAt`): a divider goes below it. */
  newTopicAfter: boolean
  /** 👍/👎 given to this answer; null when unrated. */
  feedback: Rating | null
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
  /** The message whose stream is open (sent, resent or re-attached); null when none is. */
  following: string | null
  /** Coze cleared the context ("new topic"): the next question starts it. */
  topicCleared: boolean
}

/** The widget events of SPEC §2.2, parsed. */
export type WireEvent =
  | { event: 'meta'; data: { messageId: string; conversationId: string } }
  | { event: 'delta'; data: { text: string } }
  | { event: 'reasoning'; data: { text: string } }
  | { event: 'suggestions'; data: { items: string[] } }
  | { event: 'part'; data: { index: number; kind: PartKind; data?: unknown } }
  | { event: 'action'; data: MessageAction }
  | { event: 'done'; data: { status: string } }
  | { event: 'error'; data: { code: string; message: string; retryAfter?: number } }

/** One archived answer message (history `parts`). */
export interface HistoryPart {
  kind: string
  text?: string
  data?: unknown
}

export interface HistoryItem {
  messageId: string
  conversationId: string
  question: string
  answer: string
  status: string
  askedAt: string
  finishedAt?: string | null
  errorCode?: string | null
  /** Present when the answer had more than one plain text (cards…); older services leave it out. */
  parts?: HistoryPart[]
  /** The model's reasoning, when it showed any. */
  reasoning?: string
  /** Coze's follow-up questions after this answer (the chips; shown under the newest answer only). */
  suggestions?: string[]
  /** The user's rating, absent when unrated. */
  feedback?: string
  /** The question's images and files, absent when it had none. */
  attachments?: unknown
  /** Set on the newest message when the user started a new topic after it (`POST /api/chat/clear`). */
  newTopicAt?: string
}

export type ChatEvent =
  | {
      type: 'asked'
      localId: string
      question: string
      clientMessageId: string
      replyTo?: ReplyTarget
      /** Uploaded before the question was sent (issue 21). */
      attachments?: Attachment[]
      /** When it was asked (ms since the epoch). */
      at?: number
    }
  | { type: 'resent'; localId: string; clientMessageId: string }
  | { type: 'attached'; localId: string }
  /** A dropped answer followed again from its last event: what it has stays, the rest is appended. */
  | { type: 'resumed'; localId: string }
  | { type: 'stream'; localId: string; id: string; wire: WireEvent }
  | { type: 'failed'; localId: string; code: string; message: string; retryAfter?: number }
  | {
      type: 'history'
      conversationId: string
      items: HistoryItem[]
      nextBefore: string | null
      /** A scroll-back page (asked with `before`): older than everything shown. */
      older?: boolean
    }
  /** The stream of `localId` closed without ending its answer (replaced, disposed). */
  | { type: 'released'; localId: string }
  | { type: 'reset' }
  /** Another of the user's conversations: the panel empties and waits for its history. */
  | { type: 'selected'; conversationId: string }
  /** "New topic": Coze cleared the conversation's context. */
  | { type: 'cleared'; conversationId: string }
  /** The user rated the answer (or took the rating back: null). */
  | { type: 'rated'; localId: string; rating: Rating | null }

export const initialState = (): ChatState => ({
  conversationId: null,
  messages: [],
  olderCursor: null,
  following: null,
  topicCleared: false,
})

const RUNNING = new Set<MessageStatus>(['pending', 'streaming'])

/** An answer is on its way: Send waits. Only a followed message counts, so nothing can lock Send for good. */
export function isBusy(state: ChatState): boolean {
  const m = state.following === null ? undefined : state.messages.find((x) => x.localId === state.following)
  return m !== undefined && RUNNING.has(m.status)
}

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
    case 'part':
      return PART_KINDS.has(data.kind as PartKind)
        ? {
            event: 'part',
            data: { index: toIndex(data.index), kind: data.kind as PartKind, data: data.data },
          }
        : undefined
    case 'action':
      return (data.kind === 'reply' || data.kind === 'tool') && str('toolCallId')
        ? {
            event: 'action',
            data: {
              kind: data.kind,
              toolCallId: data.toolCallId as string,
              ...(str('name') ? { name: data.name as string } : {}),
            },
          }
        : undefined
    case 'done':
      return { event: 'done', data: { status: str('status') ? (data.status as string) : 'completed' } }
    case 'error':
      return {
        event: 'error',
        data: {
          code: str('code') ? (data.code as string) : 'UNKNOWN',
          message: String(data.message ?? ''),
          ...(toSeconds(data.retryAfter) === undefined ? {} : { retryAfter: toSeconds(data.retryAfter) }),
        },
      }
    default:
      return undefined
  }
}

const PART_KINDS = new Set<PartKind>(['text', 'card', 'image', 'file'])

const toIndex = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : Infinity)

const toTime = (iso: unknown) => {
  const t = typeof iso === 'string' ? Date.parse(iso) : NaN
  return Number.isNaN(t) ? null : t
}

const toSeconds = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.ceil(v) : undefined

const blank = (localId: string, question: string): ChatMessage => ({
  localId,
  messageId: null,
  clientMessageId: null,
  question,
  attachments: [],
  answer: '',
  parts: [],
  reasoning: '',
  suggestions: [],
  status: 'pending',
  error: null,
  action: null,
  replyTo: null,
  askedAt: null,
  newTopic: false,
  newTopicAfter: false,
  feedback: null,
  lastSeq: -1,
  lastEventId: '',
})

/** The archived answer: text parts joined by one blank line (SPEC §2.2). */
export const joinText = (parts: AnswerPart[]) =>
  parts.flatMap((p) => (p.kind === 'text' ? [p.text] : [])).join('\n\n')

/** A delta belongs to the newest part; with none yet (or a card last) it starts a text part. */
function appendText(parts: AnswerPart[], text: string): AnswerPart[] {
  const last = parts.at(-1)
  if (last?.kind !== 'text') return [...parts, { kind: 'text', text }]
  return [...parts.slice(0, -1), { kind: 'text', text: last.text + text }]
}

/** A `part` event at `index`: normally the next one; an index already taken is replaced. */
function placePart(parts: AnswerPart[], index: number, part: AnswerPart): AnswerPart[] {
  const next = parts.slice()
  next.splice(Math.min(index, parts.length), 1, part)
  return next
}

function historyParts(it: HistoryItem): AnswerPart[] {
  const out: AnswerPart[] = []
  for (const p of Array.isArray(it.parts) ? it.parts : []) {
    if (!p || typeof p !== 'object' || !PART_KINDS.has(p.kind as PartKind)) continue
    if (p.kind === 'text') out.push({ kind: 'text', text: typeof p.text === 'string' ? p.text : '' })
    else out.push({ kind: p.kind as Exclude<PartKind, 'text'>, data: p.data })
  }
  if (out.length) return out
  return it.answer ? [{ kind: 'text', text: it.answer }] : []
}

/** The question still waiting for the user's answer, when the newest message is one. */
export function pendingReply(state: ChatState): ReplyTarget | undefined {
  const last = state.messages.at(-1)
  if (last?.status === 'requires_action' && last.action?.kind === 'reply' && last.messageId)
    return { messageId: last.messageId, toolCallId: last.action.toolCallId }
  // A reply that never reached the service (refused, offline): the next input still answers the question.
  if (last?.replyTo && last.status === 'failed' && !last.error?.fromStream) return last.replyTo
  return undefined
}

const FINAL: Record<string, MessageStatus> = {
  completed: 'completed',
  requires_action: 'requires_action',
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
        following: ev.localId,
        topicCleared: false,
        messages: [
          ...state.messages,
          {
            ...blank(ev.localId, ev.question),
            clientMessageId: ev.clientMessageId,
            replyTo: ev.replyTo ?? null,
            attachments: ev.attachments ?? [],
            askedAt: ev.at ?? null,
            newTopic: state.topicCleared,
          },
        ],
      }
    case 'resent':
      return follows(
        update(state, ev.localId, (m) => ({
          ...blank(m.localId, m.question),
          clientMessageId: ev.clientMessageId,
          replyTo: m.replyTo,
          attachments: m.attachments,
          askedAt: m.askedAt,
          newTopic: m.newTopic,
        })),
        ev.localId,
      )
    case 'attached':
      // Resuming from the start replays the whole answer: clear what history had.
      return follows(
        update(state, ev.localId, (m) => ({
          ...m,
          answer: '',
          parts: [],
          reasoning: '',
          action: null,
          status: 'pending',
          lastSeq: -1,
        })),
        ev.localId,
      )
    case 'resumed':
      return follows(
        update(state, ev.localId, (m) => ({
          ...m,
          status: m.parts.length ? 'streaming' : 'pending',
          error: null,
        })),
        ev.localId,
      )
    case 'stream':
      return settle(
        update(state, ev.localId, (m) => applyWire(m, ev.id, ev.wire), ev.wire),
        ev.localId,
      )
    case 'released':
      return settle(state, ev.localId, true)
    case 'failed':
      return settle(
        update(state, ev.localId, (m) => ({
          ...m,
          status: 'failed',
          error: {
            code: ev.code,
            message: ev.message,
            fromStream: false,
            ...(ev.retryAfter === undefined ? {} : { retryAfter: ev.retryAfter }),
          },
        })),
        ev.localId,
      )
    case 'history':
      return applyHistory(state, ev)
    case 'reset':
      return initialState()
    case 'selected':
      // Pages of the conversation left behind are refused from here on (applyHistory).
      return { ...initialState(), conversationId: ev.conversationId }
    case 'cleared':
      return state.conversationId === ev.conversationId ? { ...state, topicCleared: true } : state
    case 'rated':
      return update(state, ev.localId, (m) => (m.feedback === ev.rating ? m : { ...m, feedback: ev.rating }))
  }
}

const follows = (state: ChatState, localId: string): ChatState =>
  state.messages.some((m) => m.localId === localId) ? { ...state, following: localId } : state

/** The followed message's answer ended (or its stream closed, `closed`): nothing is followed any more. */
function settle(state: ChatState, localId: string, closed = false): ChatState {
  if (state.following !== localId) return state
  const m = state.messages.find((x) => x.localId === localId)
  return closed || !m || !RUNNING.has(m.status) ? { ...state, following: null } : state
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
      return {
        ...next,
        messageId: wire.data.messageId,
        answer: '',
        parts: [],
        reasoning: '',
        suggestions: [],
        action: null,
      }
    case 'delta': {
      const parts = appendText(m.parts, wire.data.text)
      return { ...next, parts, answer: joinText(parts), status: 'streaming', action: goneOn(m.action) }
    }
    case 'part': {
      const { index, kind, data } = wire.data
      const part: AnswerPart = kind === 'text' ? { kind, text: '' } : { kind, data }
      const parts = placePart(m.parts, index, part)
      return { ...next, parts, answer: joinText(parts), status: 'streaming', action: goneOn(m.action) }
    }
    case 'action':
      return { ...next, action: wire.data }
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
        error: { ...wire.data, fromStream: true },
      }
  }
}

/** A `tool` action is over once the answer goes on; a `reply` stays until the user answers. */
const goneOn = (a: MessageAction | null) => (a?.kind === 'tool' ? null : a)

function applyHistory(state: ChatState, ev: Extract<ChatEvent, { type: 'history' }>): ChatState {
  // A send that started a new conversation before the page arrived wins over the old one.
  if (state.conversationId && state.conversationId !== ev.conversationId) return state
  const page = [...ev.items].reverse() // the API pages newest first; the panel lists oldest first
  // Only the newest answer of a conversation can still run (one at a time, SPEC §2.2): an older
  // `in_progress` row is one the service has yet to close, not something to wait for.
  const newest = ev.older ? undefined : page.at(-1)?.messageId
  const fromHistory = page.map((it): ChatMessage => ({
    ...blank(historyId(it.messageId), it.question),
    messageId: it.messageId,
    attachments: toAttachments(it.attachments),
    answer: it.answer ?? '',
    parts: historyParts(it),
    reasoning: typeof it.reasoning === 'string' ? it.reasoning : '',
    suggestions: Array.isArray(it.suggestions) ? it.suggestions.filter((x) => typeof x === 'string') : [],
    askedAt: toTime(it.askedAt),
    feedback: it.feedback === 'like' || it.feedback === 'unlike' ? it.feedback : null,
    newTopicAfter: typeof it.newTopicAt === 'string',
    status:
      it.status !== 'in_progress'
        ? (FINAL[it.status] ?? 'completed')
        : it.messageId === newest
          ? 'pending'
          : 'interrupted',
    // The service closed these answers itself: a retry asks afresh.
    error: it.errorCode ? { code: it.errorCode, message: '', fromStream: true } : null,
  }))
  const firstLoad = !state.messages.some((m) => m.localId.startsWith(historyId('')))
  return {
    ...state,
    conversationId: ev.conversationId,
    messages: mergeHistory(state.messages, fromHistory, ev.older === true),
    olderCursor: ev.older || firstLoad ? ev.nextBefore : state.olderCursor,
  }
}

/**
 * Places a history page (oldest first) among the messages shown: each message the panel already has
 * anchors the page, so what the page has around it lands around it; nothing is shown twice. A page
 * with no anchor is older than everything (scroll-back) or newer than every answer the service has
 * confirmed (a reload after another tab asked): then it goes before the questions still unconfirmed.
 */
function mergeHistory(shown: ChatMessage[], page: ChatMessage[], older: boolean): ChatMessage[] {
  const out = shown.slice()
  const at = (messageId: string | null) => out.findIndex((m) => m.messageId === messageId)
  const anchor = page.find((m) => at(m.messageId) !== -1)
  let cursor = anchor ? at(anchor.messageId) : older ? 0 : unconfirmedTail(out)
  for (const m of page) {
    const i = at(m.messageId)
    if (i !== -1) cursor = i + 1
    else out.splice(cursor++, 0, m)
  }
  return out
}

/** Where the trailing questions the service never confirmed (no message id) begin. */
function unconfirmedTail(messages: ChatMessage[]): number {
  let i = messages.length
  while (i > 0 && messages[i - 1]!.messageId === null) i--
  return i
}
