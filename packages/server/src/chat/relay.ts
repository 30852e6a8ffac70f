/**
 * The chat rules (SPEC §1 phase 2–3, §2.2): ownership, one answer per conversation at a time,
 * idempotent `clientMessageId`, T1 beside the Coze call, relay as events arrive, T3 whatever happens.
 * Every event also goes to the stream log so any instance can resume it (issue 5). No fastify, no SQL
 * here: the HTTP layer gives an EventSink, the store, log and Coze client do the I/O.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { CozeApiError, type ChatStream, type CozeClient } from '../coze/client'
import { VcError } from '../errors'
import type { SessionUser } from '../identity/sessions'
import { keys } from '../kv/keys'
import type { Kv } from '../kv/types'
import type { Store } from '../store/types'
import type { LoggedEvent, StreamLog } from '../streams'
import type { ReplyBody, SendBody, StreamEvent } from '../wire'
import { eventsAfterBreak, openWithBusyWait } from './after-break'
import { archiveAnswer } from './archive'
import { attachToMessage } from './attach'
import { createBounded } from './bounded'
import { weightOf } from './event-id'
import { deliveredText, newAnswerState, normalise, type AnswerState } from './normalise'
import {
  archivedStatus,
  failureOf,
  httpError,
  needsOperator,
  noAnswer,
  stopped,
  terminalEvent,
  vcFailure,
  type Failure,
} from './outcome'
import { createOwnerCache, type OwnerCache } from './owners'
import { combineObservers, type ChatContext, type ChatObserver } from './observer'
import type { AbortReason, Running } from './running'
import { answerToolCalls, type ToolRunner } from './tool-round'

export interface EventSink {
  /** Upstream accepted the chat: the HTTP layer may now commit to a 200 stream. */
  open(): void
  /** Whether `open()` was called. */
  readonly opened: boolean
  /** One event; `json` is `e.data` already serialised, when the caller has it. */
  event(id: string, e: StreamEvent, json?: string): void
  close(): void
}

export interface RelayDeps {
  store: Store
  kv: Kv
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
}

/** What a send asks: a new question, or the user's reply to the bot's question (SPEC §2.4). */
interface Ask {
  message: string
  conversationId?: string
  clientMessageId?: string
  /** A reply continues Coze's chat through `submit_tool_outputs` instead of starting one. */
  replyTo?: { messageId: string; cozeChatId: string; toolCallId: string }
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

const IDEMPOTENCY_TTL_MS = 24 * 3600_000

/** Tool rounds one answer may take: a bot calling tools in a loop must still end. */
const MAX_TOOL_ROUNDS = 5
const BUSY_WAIT_MS = 120_000
/** How long the bot's question waits for the user's reply. */
const AWAITING_REPLY_TTL_MS = 24 * 3600_000
const awaitingReplyKey = keys.awaitingReply

export function createRelay(d: RelayDeps) {
  const now = d.now ?? Date.now
  const busyTtlMs = d.busyTtlMs ?? 15 * 60_000
  const observe = combineObservers(d.observer ? [d.observer] : [], (err) =>
    d.log.warn({ err }, 'observer failed'),
  )
  const owners = d.owners ?? createOwnerCache()
  const cleanupMs = d.cleanupMs ?? 5_000

  const bounded = createBounded(d.log, cleanupMs)
  const maxAnswerMs = d.maxAnswerMs ?? 10 * 60_000
  const pollMs = d.pollMs ?? 1_000

  const send = (user: SessionUser, body: SendBody, ctx: SendContext, sink: EventSink) =>
    ask(user, body, ctx, sink)

  /** The user's answer to the bot's question: a new message, continuing the question's Coze chat. */
  async function reply(user: SessionUser, body: ReplyBody, ctx: SendContext, sink: EventSink) {
    const parent = await d.store.getMessage(user.userId, body.messageId)
    if (!parent) throw new VcError('VC_ERR_MESSAGE_NOT_FOUND')
    const key = awaitingReplyKey(parent.id)
    // A retried reply (its clientMessageId already taken) attaches to the first one in `ask`.
    const retry =
      !!body.clientMessageId && !!(await d.kv.get(keys.clientMessage(user.userId, body.clientMessageId)))
    // Only a question the bot asked, answered once: taken here in one step (two replies at once, or a
    // reply right after the first one's stream ended, find it gone), not by a round trip to Coze.
    if (!parent.cozeChatId || (!retry && !(await d.kv.delIfEquals(key, body.toolCallId)))) {
      throw new VcError('VC_ERR_BAD_REQUEST', 'This message is not waiting for a reply')
    }
    const replyTo = { messageId: parent.id, cozeChatId: parent.cozeChatId, toolCallId: body.toolCallId }
    const { text, clientMessageId } = body
    const asked = { message: text, conversationId: parent.conversationId, clientMessageId, replyTo }
    try {
      await ask(user, asked, ctx, sink)
    } catch (err) {
      // Refused before Coze took it: the question still waits for its reply.
      if (!retry && !sink.opened) await d.kv.set(key, body.toolCallId, { ttlMs: AWAITING_REPLY_TTL_MS })
      throw err
    }
  }

  async function ask(user: SessionUser, body: Ask, ctx: SendContext, sink: EventSink): Promise<void> {
    const admission = ctx.admission ?? Promise.resolve()
    admission.catch(() => undefined) // awaited below; this only keeps an early throw from leaving it unhandled
    if (d.isDraining?.()) throw new VcError('VC_ERR_NOT_READY', 'This instance is shutting down; try again')
    if (body.conversationId && !owners.has(user.userId, body.conversationId)) {
      await admission // a refused request costs no MySQL read
      const own = await d.store.getConversation(user.userId, body.conversationId)
      if (!own) throw new VcError('VC_ERR_CONVERSATION_NOT_FOUND') // never proxied: ids are not proof
      owners.add(user.userId, body.conversationId)
    }
    const messageId = randomUUID()
    // The lease goes out before any key naming this message (same connection, so in order): a peer
    // that finds the reservation or the busy lock also finds the lease, and never takes it for an
    // orphan. It is released whatever happens.
    const held = d.running.hold(messageId)
    held.catch(() => undefined)
    const reservation = body.clientMessageId && keys.clientMessage(user.userId, body.clientMessageId)
    let reserved = false
    let answering = false
    let unlock: (() => Promise<unknown>) | undefined
    let handedOver = false
    try {
      if (reservation) {
        const [taken, admitted] = await Promise.allSettled([
          acquire(user, reservation, messageId, IDEMPOTENCY_TTL_MS),
          admission,
        ])
        reserved = taken.status === 'fulfilled' && taken.value
        if (admitted.status === 'rejected') throw admitted.reason
        if (taken.status === 'rejected') throw taken.reason
        if (!reserved) {
          const first = (await d.kv.get(reservation)) ?? ''
          const from = { afterSeq: -1, signal: ctx.signal?.(), waitForRowMs: 3000 }
          return await attachToMessage(d, user, first, from, sink)
        }
      }
      if (!body.conversationId) await admission // a refused request creates nothing at Coze
      const conversationId = body.conversationId ?? (await startConversation(user, body.message))
      const key = keys.conversationBusy(conversationId)
      const [hold, busy, admitted] = await Promise.allSettled([
        held,
        acquire(user, key, messageId, busyTtlMs, true),
        admission,
      ])
      if (busy.status === 'fulfilled' && busy.value) unlock = once(() => d.kv.delIfEquals(key, messageId))
      if (admitted.status === 'rejected') throw admitted.reason
      if (hold.status === 'rejected') throw hold.reason
      if (busy.status === 'rejected') throw busy.reason
      if (!unlock) {
        const running = await d.kv.get(key)
        throw new VcError('VC_ERR_CONVERSATION_BUSY', undefined, { messageId: running })
      }
      answering = true
      handedOver = await answer(user, body, ctx, sink, { messageId, conversationId }, unlock)
    } catch (err) {
      // Refused before any answer existed: the same clientMessageId may try again.
      if (reserved && reservation && !sink.opened) {
        // Only an answer that was started can have a row (T1) holding the id.
        if (answering) await d.store.releaseClientMessageId(messageId) // the failed row keeps its status
        await d.kv.delIfEquals(reservation, messageId)
      }
      throw err
    } finally {
      // Never throws: a drain waits for the release, and a lost unlock or lease expires by itself.
      // A handed-over answer still runs at Coze: the peer finishing it frees the conversation.
      if (unlock && !handedOver) await bounded(unlock(), 'conversation unlock') // a no-op when already freed
      await bounded(held, 'lease write') // a release must not overtake its own lease write
      await bounded(d.running.release(messageId), 'lease release')
    }
  }

  /**
   * Takes `key` for `messageId`. A key held by a message that has no row and whose instance is dead
   * (killed between reserving and T1) is taken over, or it would refuse the user for its whole TTL.
   * With `lock`, so is a key whose answer has ended (archived final): its unlock was lost to a Redis
   * fault, and the conversation is free.
   */
  async function acquire(user: SessionUser, key: string, messageId: string, ttlMs: number, lock = false) {
    if (await d.kv.set(key, messageId, { nx: true, ttlMs })) return true
    const holder = await d.kv.get(key)
    if (!holder) return false
    const row = await d.store.getMessage(user.userId, holder)
    const stale = row ? lock && row.status !== 'in_progress' : (await d.running.ownerOf(holder)) === 'orphan'
    if (!stale) return false
    d.log.warn({ key: key.split(':')[0], holder }, 'taking over a key its holder no longer needs')
    return (await d.kv.delIfEquals(key, holder)) && d.kv.set(key, messageId, { nx: true, ttlMs })
  }

  async function startConversation(user: SessionUser, question: string): Promise<string> {
    const { id } = await d.coze.createConversation(question).catch((err: unknown) => {
      throw httpError(reported(failureOf(err)))
    })
    const at = now()
    await d.store.insertConversation({
      id,
      userId: user.userId,
      title: question.slice(0, 60),
      createdAt: at,
      updatedAt: at,
    })
    owners.add(user.userId, id)
    return id
  }

  async function answer(
    user: SessionUser,
    body: Ask,
    ctx: SendContext,
    sink: EventSink,
    ids: { messageId: string; conversationId: string },
    unlock: () => Promise<unknown>,
  ): Promise<boolean> /* whether it was handed over */ {
    const askedAt = now()
    const chat: ChatContext = {
      user,
      ...ids,
      requestId: ctx.requestId,
      clientIp: ctx.clientIp,
      userAgent: ctx.userAgent,
    }
    const state = newAnswerState()
    let stream: ChatStream | undefined
    let aborted: AbortReason | undefined
    const stop = new AbortController()
    await d.running.claim(ids.messageId, (reason) => {
      aborted ??= reason
      stream?.abort()
      stop.abort()
    })
    // After a broken stream Coze goes on: its end is awaited within the answer's own time limit.
    const waiting = { deadline: askedAt + maxAnswerMs, pollMs, signal: stop.signal, now }
    // Coze may still be finishing a chat whose stream was lost (4016): wait, but no longer than Coze's
    // own idle limit, since the widget hears nothing meanwhile.
    const busyWait = { ...waiting, deadline: askedAt + Math.min(maxAnswerMs, BUSY_WAIT_MS) }
    // Coze is asked first; T1 and the audit row wait one turn of the event loop, so their query
    // building and writes never delay the request (SPEC §1 step 8). T3 waits for T1.
    const opening = body.replyTo
      ? d.coze.submitToolOutputs({
          conversationId: ids.conversationId,
          chatId: body.replyTo.cozeChatId,
          outputs: [{ toolCallId: body.replyTo.toolCallId, output: body.message }],
        })
      : openWithBusyWait(
          () =>
            d.coze.streamChat({
              conversationId: ids.conversationId,
              userId: user.cozeUserId,
              question: body.message,
              customVariables: user.variables,
            }),
          busyWait,
        )
    opening.catch(() => undefined) // awaited below
    const t1 = nextTurn()
      .then(() => {
        observe.chatStarted(chat)
        return d.store.insertQuestion({
          id: ids.messageId,
          userId: user.userId,
          conversationId: ids.conversationId,
          sessionId: user.sessionId,
          clientMessageId: body.clientMessageId ?? null,
          question: body.message,
          clientIp: ctx.clientIp,
          userAgent: ctx.userAgent?.slice(0, 512) ?? null,
          askedAt,
          parentMessageId: body.replyTo?.messageId ?? null,
        })
      })
      .then(
        () => true,
        (err: unknown) => {
          d.log.error({ err, messageId: ids.messageId }, 'T1 insert failed')
          observe.archiveFailed('t1')
          return false
        },
      )
    // Every step after the answer is bounded and may fail: the widget gets its terminal event whatever
    // MySQL or Redis do. A lost T3 is repaired by the sweeper, a lost unlock by `acquire` (stale lock).
    const finish = async (terminal: StreamEvent | undefined, firstTokenAt: number | null) => {
      // Free the conversation before the widget hears the end, or its next send could race the unlock.
      await bounded(unlock(), 'conversation unlock')
      // The end goes out (to this widget and, flushed, to resumes elsewhere) before T3, so a MySQL stall
      // never holds it (issue 19); the stream closes after T3.
      if (terminal) emit(terminal)
      await bounded(d.streams.flush(), 'stream log flush')
      const onFailure = () => observe.archiveFailed('t3')
      const archived = archiveAnswer({ ...d, onFailure }, t1, ids.messageId, state, firstTokenAt)
      const status = await bounded(archived, 'T3').then((s) => s ?? archivedStatus(state.outcome))
      const o = state.outcome
      const errorCode = o && 'code' in o && status === 'failed' ? o.code : null
      observe.chatEnded(chat, { status, errorCode, durationMs: now() - askedAt })
    }

    try {
      stream = await opening
    } catch (err) {
      state.outcome = reported(failureOf(err), ids.messageId)
      await finish(undefined, null)
      throw httpError(state.outcome)
    }
    if (aborted) stream.abort()
    void t1.then((ok) => ok || stream?.abort())

    // The answer's position (event-id.ts): the id of each event, which any instance can rebuild.
    let at = 0
    // The per-token path: the data is serialised once, for the widget and the stream log alike.
    function emit(e: StreamEvent) {
      const w = weightOf(e)
      if (w === 0 && e.event !== 'meta') return // an empty text: nothing to deliver
      const s = (at += w)
      const json = JSON.stringify(e.data)
      observe.eventRelayed(e.event)
      d.streams.append(ids.messageId, { seq: s, event: e.event, data: e.data } as LoggedEvent, json)
      sink.event(`${ids.messageId}:${s}`, e, json)
    }
    sink.open()
    emit({ event: 'meta', data: ids })
    let firstTokenAt: number | null = null
    let chatIdSaved: Promise<unknown> = Promise.resolve()
    const onEvent = (e: Parameters<Parameters<ChatStream['read']>[0]>[0]) => {
      if (e.kind === 'chat' && !state.chatId) chatIdSaved = saveChatId(t1, ids.messageId, e.chat.id)
      for (const out of normalise(state, e)) {
        if (out.event === 'done' || out.event === 'error') continue // sent by `finish`, after the unlock
        if (firstTokenAt === null && out.event === 'delta') {
          firstTokenAt = now()
          observe.firstToken(chat, firstTokenAt - askedAt)
        }
        emit(out)
      }
      return state.outcome !== null
    }
    let broke: unknown
    for (let round = 0; ; round++) {
      try {
        await stream.read(onEvent)
      } catch (err) {
        broke = err
      } finally {
        stream.abort() // Coze keeps streaming after the terminal event otherwise
      }
      // A broken or idle stream is not a failed answer: Coze goes on; ask it how the chat ended.
      if (broke !== undefined && !aborted && !state.outcome && state.chatId) {
        const rest = await eventsAfterBreak(
          d.coze,
          { conversationId: ids.conversationId, chatId: state.chatId },
          (id) => deliveredText(state, id),
          waiting,
        ).catch((err: unknown) => {
          d.log.warn({ err, messageId: ids.messageId }, 'could not learn how Coze ended the chat')
          return []
        })
        if (rest.length) broke = undefined
        for (const e of rest) onEvent(e)
      }
      // A `function` call: website A's tool answers, and the same Coze chat goes on (SPEC §2.8).
      if (broke !== undefined || aborted || !state.toolCalls.length || !state.chatId) break
      if (round >= MAX_TOOL_ROUNDS) {
        state.outcome = vcFailure('VC_ERR_UPSTREAM_ERROR', 'The bot called tools too many times')
        break
      }
      const outputs = await answerToolCalls(d.tools, user, ids, state.toolCalls)
      state.toolCalls = []
      try {
        stream = await d.coze.submitToolOutputs({
          conversationId: ids.conversationId,
          chatId: state.chatId,
          outputs,
        })
        if (aborted) stream.abort()
      } catch (err) {
        broke = err
        break
      }
    }
    if (aborted === 'handover' && !state.outcome && !state.toolCalls.length && state.chatId && (await t1)) {
      await bounded(chatIdSaved, 'Coze chat id')
      await handOver(ids.messageId, sink)
      return true
    }
    state.outcome = await outcomeAfterReading(state, broke, aborted, t1, ids.messageId)
    if (aborted === 'cancel' && state.chatId) {
      // The canceller already asked Coze when it knew the chat id; then Coze says 4104 (not running).
      await d.coze.cancelChat(ids.conversationId, state.chatId).catch((err: unknown) => {
        if (!(err instanceof CozeApiError && err.code === 4104)) {
          d.log.warn({ err, messageId: ids.messageId }, 'Coze cancel failed')
        }
      })
    }
    await bounded(chatIdSaved, 'Coze chat id')
    if (state.awaitingReply && state.outcome.status === 'requires_action') {
      const ttlMs = AWAITING_REPLY_TTL_MS
      const waiting = d.kv.set(awaitingReplyKey(ids.messageId), state.awaitingReply, { ttlMs })
      await bounded(waiting, 'question awaiting a reply')
    }
    await finish(terminalEvent(state.outcome), firstTokenAt)
    sink.close()
    await bounded(d.store.touchConversation(user.userId, ids.conversationId, now()), 'conversation touch')
    return false
  }

  /**
   * A drain with a live peer (issue 19): the answer goes on at Coze, unarchived and still holding its
   * conversation. The log is complete before the lease goes, so the peer that recovers it (at once,
   * when the widget resumes there) continues from exactly where this instance stopped; the widget's
   * stream ends without a terminal event, which makes it resume.
   */
  async function handOver(messageId: string, sink: EventSink) {
    await bounded(d.streams.flush(), 'stream log flush')
    await bounded(d.running.letGo(messageId), 'lease release')
    sink.close() // before the release: a drain ends only once every widget stream has ended
    d.log.info({ messageId }, 'answer handed over to a peer')
  }

  /** How the answer ended once reading stopped: Coze's outcome, unless we stopped it or lost Coze. */
  async function outcomeAfterReading(
    state: AnswerState,
    broke: unknown,
    aborted: AbortReason | undefined,
    t1: Promise<boolean>,
    messageId: string,
  ) {
    const o = state.outcome
    if (aborted && o?.status !== 'completed' && o?.status !== 'requires_action')
      return aborted === 'cancel' ? stopped.cancel() : stopped.shutdown() // a failed handover is a cut
    if (o) return o.status === 'failed' ? reported(o, messageId) : o
    if (!(await t1)) return vcFailure('VC_ERR_INTERNAL', 'The question could not be archived')
    if (broke === undefined) return reported(noAnswer(), messageId)
    return reported(failureOf(broke), messageId)
  }

  /** Counts a failure Coze caused, and tells the operator when only they can fix it. */
  function reported(f: Failure, messageId?: string): Failure {
    observe.upstreamError(f.code)
    if (f.coze) observe.cozeError(f.coze.code)
    if (needsOperator(f)) {
      d.log.error(
        { code: f.code, cozeCode: f.coze?.code, logid: f.coze?.logid, messageId },
        'Coze needs an operator',
      )
    }
    return f
  }

  /** Kept off the token path: recorded once T1 is in, for recovery of an orphaned answer. */
  function saveChatId(t1: Promise<boolean>, messageId: string, chatId: string) {
    return t1
      .then((ok) => (ok ? d.store.setCozeChatId(messageId, chatId) : undefined))
      .catch((err: unknown) => d.log.warn({ err, messageId }, 'could not record the Coze chat id'))
  }

  return { send, reply }
}

export type Relay = ReturnType<typeof createRelay>

/** `f` run at most once; later calls get the first call's promise. */
function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined
  return () => (p ??= f())
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))
