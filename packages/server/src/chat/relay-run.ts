/**
 * What the relay's steps share (relay.ts, relay-answer.ts, relay-open.ts, relay-read.ts): the relay's
 * dependencies with their defaults, and one answer in progress (`Run`), which each step reads and moves
 * on. No fastify, no SQL: the HTTP layer gives an EventSink, the store, log and Coze client do the I/O.
 */
import type { Logger } from 'pino'
import type { ChatStream, CozeClient } from '../core/coze/client'
import type { Locks } from '../core/kv/locks'
import type { Kv } from '../core/kv/types'
import type { ConversationRepository, MessageRepository } from '../store/types'
import type { LoggedEvent, StreamLog } from '../core/streams/types'
import type { SendAttachment, StreamEvent } from '../core/wire'
import { createBounded } from './bounded'
import { weightOf } from './event-id'
import type { AnswerState } from './normalise'
import { combineObservers, type ChatContext, type ChatObserver } from './observer'
import { needsOperator, type Failure } from './outcome'
import type { OwnerCache } from './owners'
import type { AbortReason, Running } from './running'
import type { ToolRunner } from './tool-round'
import type { SessionUser } from '../core/session-user'

export interface EventSink {
  /** The HTTP layer may now commit to a 200 stream (`meta` follows at once). */
  open(): void
  /** Whether `open()` was called. */
  readonly opened: boolean
  /** One event; `json` is `e.data` already serialised, when the caller has it. */
  event(id: string, e: StreamEvent, json?: string): void
  close(): void
}

export interface RelayDeps {
  store: ConversationRepository & MessageRepository
  kv: Kv
  /** The conversation's lock and the `clientMessageId` reservation (relay-lock.ts). */
  locks: Locks
  coze: CozeClient
  streams: StreamLog
  running: Running
  log: Logger
  now?: () => number
  /** How long a conversation stays locked by one answer at most (crash safety). */
  busyTtlMs?: number
  observer?: ChatObserver
  isDraining?: () => boolean
  /** Conversation owners already checked (default: 50,000 for 5 minutes). */
  owners?: OwnerCache
  /** Website A's tools (SPEC §2.8); without it every `function` call gets the "unavailable" output. */
  tools?: ToolRunner
  /** How long one answer may take in all, Coze's finishing after a broken stream included. */
  maxAnswerMs?: number
  /** How often Coze is asked whether a chat whose stream broke has ended. */
  pollMs?: number
  /** The longest one cleanup step (T3, unlock, flush, release) may hold an ending answer. */
  cleanupMs?: number
  /**
   * How long Coze may take to open its stream before the widget gets `meta` anyway (issue 21: its Stop
   * needs the message id). Coze refusing within it is still an HTTP error (SPEC §2.7); after it, an
   * `error` event. 0: `meta` before Coze is asked.
   */
  metaAfterMs?: number
}

/** What a send asks: a new question, or the user's reply to the bot's question (SPEC §2.4). */
export interface Ask {
  message: string
  conversationId?: string
  clientMessageId?: string
  /** A reply continues Coze's chat through `submit_tool_outputs` instead of starting one. */
  replyTo?: { messageId: string; cozeChatId: string; toolCallId: string }
  /** The user's uploads, checked (SPEC §2.4): Coze gets one `object_string` question; T1 keeps them. */
  attachments?: readonly SendAttachment[]
}

export interface SendContext {
  clientIp: string | null
  userAgent: string | null
  requestId?: string
  /**
   * A signal that aborts when the widget's connection closes (attached streams stop; the answer goes
   * on), made on demand: most sends never need one.
   */
  signal?: () => AbortSignal
  /**
   * The request's rate limits, still running: the send's own first writes go out beside them, and
   * nothing is answered or attached until they allowed it.
   */
  admission?: Promise<void>
}

export type RelayEnv = ReturnType<typeof relayEnv>

/** The relay's dependencies with their defaults, and the helpers every step uses. */
export function relayEnv(d: RelayDeps) {
  const observe = combineObservers(d.observer ? [d.observer] : [], (err) =>
    d.log.warn({ err }, 'observer failed'),
  )
  /** Counts a failure Coze caused, and tells the operator when only they can fix it. */
  function reported(f: Failure, messageId?: string): Failure {
    observe.upstreamError(f.code)
    if (f.coze) observe.cozeError(f.coze.code)
    if (needsOperator(f)) {
      const { code, coze } = f
      d.log.error({ code, cozeCode: coze?.code, logid: coze?.logid, messageId }, 'Coze needs an operator')
    }
    return f
  }
  return {
    d,
    now: d.now ?? Date.now,
    observe,
    reported,
    bounded: createBounded(d.log, d.cleanupMs ?? 5_000),
    busyTtlMs: d.busyTtlMs ?? 15 * 60_000,
    maxAnswerMs: d.maxAnswerMs ?? 10 * 60_000,
    pollMs: d.pollMs ?? 1_000,
    metaAfterMs: d.metaAfterMs ?? META_AFTER_MS,
  }
}

/**
 * Coze opens a chat's stream (or refuses it with a code, SPEC §2.7) within a few hundred ms; one that
 * takes longer is stuck, and the widget must be able to stop it (issue 21).
 */
const META_AFTER_MS = 1_000

/** One answer, from asking Coze to the archive. */
export interface Run {
  user: SessionUser
  body: Ask
  ctx: SendContext
  sink: EventSink
  ids: { messageId: string; conversationId: string }
  chat: ChatContext
  askedAt: number
  state: AnswerState
  /** Coze's answer to the ask: its stream once the response headers came. */
  opening: Promise<ChatStream>
  /** The stream being read (the first, then each tool round's). */
  stream?: ChatStream
  /** Why we stopped the answer, when we did. */
  aborted?: AbortReason
  stop: AbortController
  /** T1 (the question's row): whether it was written. */
  t1: Promise<boolean>
  /** Frees the conversation (once; later calls get the first call's promise). */
  unlock: () => Promise<unknown>
  /** Why reading stopped without Coze's outcome (a network failure, Coze refusing the chat). */
  broke?: unknown
  /** The answer's position (event-id.ts): the id of each event, which any instance can rebuild. */
  at: number
  firstTokenAt: number | null
  chatIdSaved: Promise<unknown>
  /** Coze's id of the last answer message, archived for feedback (SPEC §2.4). */
  cozeMessageId: string | null
  /** `finish` ran: the answer's one end (relay-crash.ts never ends it twice). */
  ended?: boolean
}

/** The per-token path: the data is serialised once, for the widget and the stream log alike. */
export function emit(env: RelayEnv, run: Run, e: StreamEvent) {
  const w = weightOf(e)
  if (w === 0 && e.event !== 'meta') return // an empty text: nothing to deliver
  const s = (run.at += w)
  const json = JSON.stringify(e.data)
  env.observe.eventRelayed(e.event)
  try {
    env.d.streams.append(run.ids.messageId, { seq: s, event: e.event, data: e.data } as LoggedEvent, json)
  } finally {
    run.sink.event(`${run.ids.messageId}:${s}`, e, json) // even when the log throws: the end still gets out
  }
}

/** Commits the widget's stream: `meta` (position 0) names the answer, so a Stop has its id. */
export function openSink(env: RelayEnv, run: Run) {
  if (run.sink.opened) return
  run.sink.open()
  emit(env, run, { event: 'meta', data: run.ids })
}
