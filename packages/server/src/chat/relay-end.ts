/**
 * The end of an answer: its outcome (outcome.ts), Coze told of a cancel, the conversation freed, the
 * widget's terminal event, T3. Every step after the answer is bounded and may fail: the widget gets its
 * terminal event whatever MySQL or Redis do. A lost T3 is repaired by the sweeper, a lost unlock by the
 * lock's takeover (relay-lock.ts).
 */
import { CozeApiError } from '../core/coze/client'
import { keys } from '../core/kv/keys'
import type { StreamEvent } from '../core/wire'
import { archiveAnswer } from './archive'
import {
  archivedStatus,
  errorCodeOf,
  failureOf,
  isAnswered,
  noAnswer,
  stopped,
  terminalEvent,
  vcFailure,
  type Outcome,
} from './outcome'
import { emit, type RelayEnv, type Run } from './relay-run'

/** How long the bot's question waits for the user's reply. */
export const AWAITING_REPLY_TTL_MS = 24 * 3600_000

/** The answer ended here: outcome, Coze, the widget, the archive. */
export async function end(env: RelayEnv, run: Run) {
  const { d, bounded } = env
  const outcome = (run.state.outcome = await outcomeOf(env, run))
  if (run.aborted === 'cancel' && run.state.chatId) await cancelAtCoze(env, run, run.state.chatId)
  await bounded(run.chatIdSaved, 'Coze chat id')
  if (run.state.awaitingReply && outcome.status === 'requires_action') {
    const key = keys.awaitingReply(run.ids.messageId)
    const waiting = d.kv.set(key, run.state.awaitingReply, { ttlMs: AWAITING_REPLY_TTL_MS })
    await bounded(waiting, 'question awaiting a reply')
  }
  await finish(env, run, terminalEvent(outcome))
  run.sink.close()
  await bounded(
    d.store.touchConversation(run.user.userId, run.ids.conversationId, env.now()),
    'conversation touch',
  )
}

/** How the answer ended once reading stopped: Coze's outcome, unless we stopped it or lost Coze. */
async function outcomeOf(env: RelayEnv, run: Run): Promise<Outcome> {
  const { messageId } = run.ids
  const o = run.state.outcome
  if (run.aborted && !isAnswered(o)) return run.aborted === 'cancel' ? stopped.cancel() : stopped.shutdown() // a failed handover is a cut
  if (o) return o.status === 'failed' ? env.reported(o, messageId) : o
  if (!run.stream) return env.reported(failureOf(run.broke), messageId) // Coze refused it after `meta`
  if (!(await run.t1)) return vcFailure('VC_ERR_INTERNAL', 'The question could not be archived')
  if (run.broke === undefined) return env.reported(noAnswer(), messageId)
  return env.reported(failureOf(run.broke), messageId)
}

/** The canceller already asked Coze when it knew the chat id; then Coze says 4104 (not running). */
export async function cancelAtCoze(env: RelayEnv, run: Run, chatId: string) {
  await env.d.coze.cancelChat(run.ids.conversationId, chatId).catch((err: unknown) => {
    if (!(err instanceof CozeApiError && err.code === 4104)) {
      env.d.log.warn({ err, messageId: run.ids.messageId }, 'Coze cancel failed')
    }
  })
}

/**
 * Frees the conversation before the widget hears the end (or its next send could race the unlock); the
 * end goes out (to this widget and, flushed, to resumes elsewhere) before T3, so a MySQL stall never
 * holds it (issue 19); the stream closes after T3.
 */
export async function finish(env: RelayEnv, run: Run, terminal: StreamEvent | undefined) {
  run.ended = true
  try {
    await env.bounded(run.unlock(), 'conversation unlock')
    if (terminal) emit(env, run, terminal)
  } finally {
    await settle(env, run) // even when the end's delivery threw (relay-crash.ts): archived, counted out
  }
}

/** The end's flush, T3 and count, once the widget has its end. */
async function settle(env: RelayEnv, run: Run) {
  const { d, bounded, observe } = env
  await bounded(d.streams.flush(), 'stream log flush')
  const onFailure = () => observe.archiveFailed('t3')
  const extra = { cozeMessageId: run.cozeMessageId }
  const archived = archiveAnswer(
    { ...d, onFailure },
    run.t1,
    run.ids.messageId,
    run.state,
    run.firstTokenAt,
    extra,
  )
  const status = (await bounded(archived, 'T3')) ?? archivedStatus(run.state.outcome)
  const errorCode = errorCodeOf(run.state.outcome, status)
  observe.chatEnded(run.chat, { status, errorCode, durationMs: env.now() - run.askedAt })
}

/**
 * A drain with a live peer (issue 19): the answer goes on at Coze, unarchived and still holding its
 * conversation. The log is complete before the lease goes, so the peer that recovers it (at once,
 * when the widget resumes there) continues from exactly where this instance stopped; the widget's
 * stream ends without a terminal event, which makes it resume. False when it cannot be handed over.
 */
export async function handedOver(env: RelayEnv, run: Run): Promise<boolean> {
  const { state } = run
  if (run.aborted !== 'handover' || state.outcome || state.toolCalls.length || !state.chatId) return false
  if (!(await run.t1)) return false
  const { bounded, d } = env
  await bounded(run.chatIdSaved, 'Coze chat id')
  await bounded(d.streams.flush(), 'stream log flush')
  await bounded(d.running.letGo(run.ids.messageId), 'lease release')
  // Let go: the peer recovers it now, so nothing here may end it too (a throw closing the stream included).
  try {
    run.sink.close() // before the release: a drain ends only once every widget stream has ended
  } catch (err) {
    d.log.warn({ err, messageId: run.ids.messageId }, 'closing a handed-over stream threw')
  }
  env.observe.chatHandedOver(run.chat) // its one end on this instance: `finish` never runs for it
  d.log.info({ messageId: run.ids.messageId }, 'answer handed over to a peer')
  return true
}
