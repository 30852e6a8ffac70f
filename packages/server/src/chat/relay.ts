/**
 * The chat rules (SPEC §1 phase 2–3, §2.2): ownership, one answer per conversation at a time,
 * idempotent `clientMessageId`, T1 beside the Coze call, relay as events arrive, T3 whatever happens.
 * No fastify, no SQL here: the HTTP layer gives an EventSink, the store and Coze client do the I/O.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { CozeApiError, upstreamFailure, type ChatStream, type CozeClient } from '../coze/client'
import { VcError, type ErrorKey } from '../errors'
import { streamErrorOf } from '../http/error-handler'
import type { SessionUser } from '../identity/sessions'
import type { Kv } from '../kv/types'
import type { MessageFinish, MessageRow, Store } from '../store/types'
import type { SendBody, StreamEvent } from '../wire'
import { newAnswerState, normalise, type AnswerState } from './normalise'
import { combineObservers, type ChatContext, type ChatObserver } from './observer'

export interface EventSink {
  /** Upstream accepted the chat: the HTTP layer may now commit to a 200 stream. */
  open(): void
  event(id: string, e: StreamEvent): void
  close(): void
}

export interface RelayDeps {
  store: Store
  kv: Kv
  coze: CozeClient
  log: Logger
  now?: () => number
  /** How long a conversation stays locked by one answer at most (crash safety). */
  busyTtlMs?: number
  observer?: ChatObserver
}

export interface SendContext {
  clientIp: string | null
  userAgent: string | null
  requestId?: string
}

const IDEMPOTENCY_TTL_MS = 24 * 3600_000

export function createRelay(d: RelayDeps) {
  const now = d.now ?? Date.now
  const busyTtlMs = d.busyTtlMs ?? 15 * 60_000
  const observe = combineObservers(d.observer ? [d.observer] : [], (err) =>
    d.log.warn({ err }, 'observer failed'),
  )

  async function send(user: SessionUser, body: SendBody, ctx: SendContext, sink: EventSink): Promise<void> {
    if (body.conversationId) {
      const own = await d.store.getConversation(user.userId, body.conversationId)
      if (!own) throw new VcError('VC_ERR_CONVERSATION_NOT_FOUND') // never proxied: ids are not guessable proof
    }
    const messageId = randomUUID()
    if (body.clientMessageId) {
      const key = `client-msg:${user.userId}:${body.clientMessageId}`
      if (!(await d.kv.set(key, messageId, { nx: true, ttlMs: IDEMPOTENCY_TTL_MS }))) {
        return replayDuplicate(user, (await d.kv.get(key)) ?? '', sink)
      }
    }
    const conversationId = body.conversationId ?? (await startConversation(user, body.message))
    const busyKey = `conv-busy:${conversationId}`
    if (!(await d.kv.set(busyKey, messageId, { nx: true, ttlMs: busyTtlMs }))) {
      const running = await d.kv.get(busyKey)
      throw new VcError('VC_ERR_CONVERSATION_BUSY', undefined, { messageId: running })
    }
    try {
      await answer(user, body, ctx, sink, { messageId, conversationId })
    } finally {
      await d.kv.delIfEquals(busyKey, messageId)
    }
  }

  async function startConversation(user: SessionUser, question: string): Promise<string> {
    const { id } = await d.coze.createConversation().catch(rethrowUpstream)
    const at = now()
    await d.store.insertConversation({
      id,
      userId: user.userId,
      title: question.slice(0, 60),
      createdAt: at,
      updatedAt: at,
    })
    return id
  }

  async function answer(
    user: SessionUser,
    body: SendBody,
    ctx: SendContext,
    sink: EventSink,
    ids: { messageId: string; conversationId: string },
  ) {
    const askedAt = now()
    const chat: ChatContext = {
      user,
      ...ids,
      requestId: ctx.requestId,
      clientIp: ctx.clientIp,
      userAgent: ctx.userAgent,
    }
    observe.chatStarted(chat)
    // T1 runs beside the Coze call (SPEC §1 step 8); T3 waits for it.
    const t1 = d.store
      .insertQuestion({
        id: ids.messageId,
        userId: user.userId,
        conversationId: ids.conversationId,
        sessionId: user.sessionId,
        clientMessageId: body.clientMessageId ?? null,
        question: body.message,
        clientIp: ctx.clientIp,
        userAgent: ctx.userAgent?.slice(0, 512) ?? null,
        askedAt,
      })
      .then(
        () => true,
        (err: unknown) => {
          d.log.error({ err, messageId: ids.messageId }, 'T1 insert failed')
          return false
        },
      )
    const state = newAnswerState()
    let stream: ChatStream
    try {
      stream = await d.coze.streamChat({
        conversationId: ids.conversationId,
        userId: user.cozeUserId,
        question: body.message,
      })
    } catch (err) {
      const vc = toUpstreamVcError(err)
      observe.upstreamError(vc.code)
      state.outcome = { status: 'failed', code: vc.code, message: vc.message }
      const status = await archive(t1, ids.messageId, state, null)
      observe.chatEnded(chat, { status, errorCode: vc.code, durationMs: now() - askedAt })
      throw vc
    }
    t1.then((ok) => ok || stream.abort())

    let seq = 0
    const emit = (e: StreamEvent) => {
      observe.eventRelayed(e.event)
      sink.event(`${ids.messageId}:${seq++}`, e)
    }
    sink.open()
    emit({ event: 'meta', data: ids })
    let firstTokenAt: number | null = null
    let terminal: StreamEvent | undefined
    let chatIdSaved: Promise<unknown> = Promise.resolve()
    try {
      for await (const e of stream.events) {
        if (e.kind === 'chat' && !state.chatId) chatIdSaved = saveChatId(t1, ids.messageId, e.chat.id)
        for (const out of normalise(state, e)) {
          if (out.event === 'done' || out.event === 'error') terminal = out
          else {
            if (firstTokenAt === null && out.event === 'delta') {
              firstTokenAt = now()
              observe.firstToken(chat, firstTokenAt - askedAt)
            }
            emit(out)
          }
        }
        if (terminal) break
      }
    } catch (err) {
      const reason = (await t1)
        ? toUpstreamVcError(err)
        : new VcError('VC_ERR_INTERNAL', 'The question could not be archived')
      observe.upstreamError(reason.code)
      state.outcome = { status: 'failed', code: reason.code, message: reason.message }
      terminal = { event: 'error', data: { code: reason.code, message: reason.message } }
    } finally {
      stream.abort() // Coze keeps streaming after the terminal event otherwise
    }
    if (!terminal) {
      const e = streamErrorOf('VC_ERR_UPSTREAM_INTERRUPTED', 'Coze ended the stream without an answer')
      state.outcome = { status: 'failed', ...e }
      terminal = { event: 'error', data: e }
    }
    await chatIdSaved
    const status = await archive(t1, ids.messageId, state, firstTokenAt)
    const errorCode = state.outcome?.status === 'failed' ? state.outcome.code : null
    observe.chatEnded(chat, { status, errorCode, durationMs: now() - askedAt })
    await d.store
      .touchConversation(user.userId, ids.conversationId, now())
      .catch((err: unknown) => d.log.warn({ err }, 'could not touch the conversation'))
    emit(terminal)
    sink.close()
  }

  /** Kept off the token path: recorded once T1 is in, for recovery of an orphaned answer. */
  function saveChatId(t1: Promise<boolean>, messageId: string, chatId: string) {
    return t1
      .then((ok) => (ok ? d.store.setCozeChatId(messageId, chatId) : undefined))
      .catch((err: unknown) => d.log.warn({ err, messageId }, 'could not record the Coze chat id'))
  }

  /** T3: only after T1 succeeded (SPEC §1); a failure here is logged, the answer was already relayed. */
  async function archive(
    t1: Promise<boolean>,
    messageId: string,
    s: AnswerState,
    firstTokenAt: number | null,
  ): Promise<MessageFinish['status']> {
    const o = s.outcome ?? { status: 'failed', code: 'UPSTREAM_INTERRUPTED', message: 'No outcome' }
    const status = o.status === 'completed' ? 'completed' : o.code === 'CANCELLED' ? 'cancelled' : 'failed'
    if (!(await t1)) return status
    const finish: MessageFinish = {
      status,
      answer: s.answer,
      reasoning: s.reasoning || null,
      errorCode: o.status === 'completed' ? null : o.code,
      errorMessage: o.status === 'completed' ? null : o.message.slice(0, 500),
      inputTokens: s.usage?.inputTokens ?? null,
      outputTokens: s.usage?.outputTokens ?? null,
      firstTokenAt,
      finishedAt: now(),
    }
    try {
      await d.store.finishMessage(messageId, finish)
    } catch (err) {
      d.log.error({ err, messageId }, 'T3 update failed')
    }
    return status
  }

  /** A repeated clientMessageId: the first message's outcome, never a second Coze call. */
  async function replayDuplicate(user: SessionUser, messageId: string, sink: EventSink) {
    const row = await d.store.getMessage(user.userId, messageId)
    if (!row || row.status === 'in_progress') {
      throw new VcError('VC_ERR_CONVERSATION_BUSY', 'This message is still being answered', { messageId })
    }
    sink.open()
    archivedEvents(row).forEach((e, i) => sink.event(`${messageId}:${i}`, e))
    sink.close()
  }

  return { send }
}

export type Relay = ReturnType<typeof createRelay>

/** A finished row as the events a widget would have seen. */
export function archivedEvents(row: MessageRow): StreamEvent[] {
  const events: StreamEvent[] = [
    { event: 'meta', data: { messageId: row.id, conversationId: row.conversationId } },
  ]
  if (row.answer) events.push({ event: 'delta', data: { text: row.answer } })
  if (row.status === 'completed') {
    const usage = { inputTokens: row.inputTokens ?? 0, outputTokens: row.outputTokens ?? 0 }
    events.push({ event: 'done', data: { status: 'completed', usage } })
  } else {
    const code = row.errorCode ?? (row.status === 'cancelled' ? 'CANCELLED' : 'UPSTREAM_INTERRUPTED')
    events.push({ event: 'error', data: { code, message: row.errorMessage ?? row.status } })
  }
  return events
}

const COZE_CODE_KEYS: Record<number, ErrorKey> = {
  4016: 'VC_ERR_CONVERSATION_BUSY',
  4013: 'VC_ERR_UPSTREAM_UNAVAILABLE',
}

function toUpstreamVcError(err: unknown): VcError {
  if (err instanceof CozeApiError) {
    const key =
      COZE_CODE_KEYS[err.code] ??
      (err.httpStatus === 429 || err.httpStatus >= 500
        ? 'VC_ERR_UPSTREAM_UNAVAILABLE'
        : 'VC_ERR_UPSTREAM_ERROR')
    return new VcError(
      key,
      `Coze: ${err.message} (code ${err.code}${err.logid ? `, logid ${err.logid}` : ''})`.slice(0, 300),
    )
  }
  const e = upstreamFailure(err)
  return e instanceof VcError ? e : new VcError('VC_ERR_UPSTREAM_INTERRUPTED')
}

function rethrowUpstream(err: unknown): never {
  throw toUpstreamVcError(err)
}
