/**
 * The start of an answer: Coze is asked first, T1 (the question's row) one turn later, and the widget
 * gets `meta` when Coze opens its stream, or earlier when Coze is slow to (issue 21: Stop needs the id).
 * An answer stopped before Coze opened ends at once; the late stream is then stopped too and, for a
 * cancel, its chat cancelled at Coze, so nothing is left running there.
 */
import { CozeApiError, type ChatStream } from '../core/coze/client'
import { openWithBusyWait } from './after-break'
import { newAnswerState } from './normalise'
import { failureOf, httpError } from './outcome'
import { finish } from './relay-end'
import { openSink, type Ask, type EventSink, type RelayEnv, type Run, type SendContext } from './relay-run'
import type { SessionUser } from '../core/session-user'

/** Coze may still be finishing a chat whose stream was lost (4016): waited for, within Coze's idle limit. */
const BUSY_WAIT_MS = 120_000

/** The answer's run, its lease claimed (a cancel or a drain reaches it from here), Coze asked, T1 started. */
export async function begin(
  env: RelayEnv,
  a: { user: SessionUser; body: Ask; ctx: SendContext; sink: EventSink },
  ids: Run['ids'],
  unlock: () => Promise<unknown>,
): Promise<Run> {
  const { ctx } = a
  const chat = {
    user: a.user,
    ...ids,
    requestId: ctx.requestId,
    clientIp: ctx.clientIp,
    userAgent: ctx.userAgent,
  }
  const run: Omit<Run, 'opening' | 't1'> = {
    ...a,
    ids,
    chat,
    askedAt: env.now(),
    state: newAnswerState(),
    stop: new AbortController(),
    unlock,
    at: 0,
    firstTokenAt: null,
    chatIdSaved: Promise.resolve(),
    cozeMessageId: null,
  }
  await env.d.running.claim(ids.messageId, (reason) => {
    run.aborted ??= reason
    run.stream?.abort()
    run.stop.abort()
  })
  const opening = askCoze(env, run)
  opening.catch(() => undefined) // awaited by `opened` (or `reap`)
  return Object.assign(run, { opening, t1: writeQuestion(env, run) })
}

/** A new chat, or the user's reply continuing the bot's (SPEC §2.4). */
function askCoze(env: RelayEnv, run: Omit<Run, 'opening' | 't1'>): Promise<ChatStream> {
  const { coze } = env.d
  const { body, ids, user } = run
  if (body.replyTo) {
    const outputs = [{ toolCallId: body.replyTo.toolCallId, output: body.message }]
    return coze.submitToolOutputs({
      conversationId: ids.conversationId,
      chatId: body.replyTo.cozeChatId,
      outputs,
    })
  }
  const deadline = run.askedAt + Math.min(env.maxAnswerMs, BUSY_WAIT_MS)
  const busyWait = { deadline, pollMs: env.pollMs, signal: run.stop.signal, now: env.now }
  const ask = { conversationId: ids.conversationId, userId: user.cozeUserId, question: body.message }
  const input = { ...ask, attachments: body.attachments, customVariables: user.variables }
  return openWithBusyWait(() => coze.streamChat(input), busyWait)
}

/**
 * T1 waits one turn of the event loop, so its query building and write never delay the request to
 * Coze (SPEC §1 step 8). Resolves whether the row was written; T3 waits for it.
 */
function writeQuestion(env: RelayEnv, run: Omit<Run, 'opening' | 't1'>): Promise<boolean> {
  const { body, ctx, ids, user } = run
  const row = {
    id: ids.messageId,
    userId: user.userId,
    conversationId: ids.conversationId,
    sessionId: user.sessionId,
    clientMessageId: body.clientMessageId ?? null,
    question: body.message,
    clientIp: ctx.clientIp,
    userAgent: ctx.userAgent?.slice(0, 512) ?? null,
    askedAt: run.askedAt,
    parentMessageId: body.replyTo?.messageId ?? null,
    attachments: body.attachments ?? null,
  }
  return nextTurn()
    .then(() => {
      env.observe.chatStarted(run.chat)
      return env.d.store.insertQuestion(row)
    })
    .then(
      () => true,
      (err: unknown) => {
        env.d.log.error({ err, messageId: ids.messageId }, 'T1 insert failed')
        env.observe.archiveFailed('t1')
        return false
      },
    )
}

type Opening = { stream: ChatStream } | { refused: unknown } | { stopped: true } | { slow: true }

/**
 * Coze's stream once it opened, `meta` sent. Undefined when the answer ended before: stopped (a cancel,
 * a drain) or refused by Coze after `meta` went out. A refusal before `meta` is the HTTP error.
 */
export async function opened(env: RelayEnv, run: Run): Promise<ChatStream | undefined> {
  const answer = run.opening.then(
    (stream): Opening => ({ stream }),
    (refused: unknown): Opening => ({ refused }),
  )
  const stopped = new Promise<Opening>((resolve) => {
    if (run.stop.signal.aborted) resolve({ stopped: true })
    run.stop.signal.addEventListener('abort', () => resolve({ stopped: true }), { once: true })
  })
  let timer: NodeJS.Timeout | undefined
  const slow = new Promise<Opening>(
    (resolve) => (timer = setTimeout(resolve, env.metaAfterMs, { slow: true })),
  )
  if (env.metaAfterMs <= 0) openSink(env, run)
  try {
    let first = await Promise.race([answer, stopped, slow])
    if ('slow' in first) {
      openSink(env, run)
      first = await Promise.race([answer, stopped])
    }
    if ('stream' in first) return started(env, run, first.stream)
    if ('refused' in first) return await refused(env, run, first.refused)
    reap(env, run)
    openSink(env, run) // the widget learns the id, then the end
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

function started(env: RelayEnv, run: Run, stream: ChatStream): ChatStream {
  openSink(env, run) // first: should it throw, the stream is not the run's yet, and `reap` stops it
  run.stream = stream
  if (run.aborted) stream.abort()
  void run.t1.then((ok) => ok || run.stream?.abort()) // cannot reject: T1 failing is `false`
  return stream
}

/** Coze refused the chat: the HTTP error while the widget has no stream yet, else the stream's end. */
async function refused(env: RelayEnv, run: Run, err: unknown): Promise<undefined> {
  run.broke = err
  if (run.sink.opened) return undefined
  run.state.outcome = env.reported(failureOf(err), run.ids.messageId)
  await finish(env, run, undefined)
  throw httpError(run.state.outcome)
}

/**
 * The answer ended before Coze opened its stream. When it opens after all, it is stopped; a cancelled
 * (or crashed, relay-crash.ts) chat is also cancelled at Coze once its id is known (Coze would otherwise
 * finish it, and refuse the conversation's next chat with 4016 meanwhile).
 */
export function reap(env: RelayEnv, run: Run, cancel = run.aborted === 'cancel') {
  if (reaped.has(run)) return // once: the stream is read by one reader only
  reaped.add(run)
  const { messageId, conversationId } = run.ids
  const late = async (stream: ChatStream) => {
    const chatId = cancel ? (run.body.replyTo?.cozeChatId ?? (await chatIdOf(stream))) : undefined
    stream.abort()
    if (!chatId) return
    await env.d.coze.cancelChat(conversationId, chatId).catch((err: unknown) => {
      if (!(err instanceof CozeApiError && err.code === 4104)) throw err // 4104: it had ended
    })
    env.d.log.info({ messageId, chatId }, 'cancelled at Coze a chat that opened after its answer ended')
  }
  run.opening
    .then(late, () => undefined)
    .catch((err: unknown) => {
      env.d.log.warn({ err, messageId }, 'could not cancel at Coze a chat that opened late')
    })
}

const reaped = new WeakSet<Run>()

/** Reads a stream up to Coze's first chat event (`conversation.chat.created`): its chat id. */
async function chatIdOf(stream: ChatStream): Promise<string | undefined> {
  let chatId: string | undefined
  await stream
    .read((e) => {
      if (e.kind === 'chat') chatId = e.chat.id
      return chatId !== undefined
    })
    .catch(() => undefined) // broke before: nothing to cancel that we could name
  return chatId
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))
