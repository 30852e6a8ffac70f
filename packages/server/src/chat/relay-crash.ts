/**
 * An answer that threw where nothing should (a bug, or a dependency breaking its "never throws": the
 * tool runner, the stream log, normalise on a malformed event) still ends, once, as relay-end.ts ends
 * one: nothing left running at Coze, the conversation freed, the widget's `error` INTERNAL, archived
 * `failed`, counted out of the active streams. The stream closes, which frees its slot (limits).
 */
import { httpError, terminalEvent, vcFailure } from './outcome'
import { reap } from './relay-open'
import { cancelAtCoze, finish } from './relay-end'
import type { RelayEnv, Run } from './relay-run'

/** Throws while the widget has no stream yet: the HTTP error is its end (and frees the clientMessageId). */
export async function crashed(env: RelayEnv, run: Run, err: unknown): Promise<void> {
  const { log } = env.d
  const { messageId } = run.ids
  if (run.ended) {
    // `finish` ran: its end went out (or it is `refused`'s HTTP error); nothing is ended twice.
    if (!run.sink.opened) throw err
    log.error({ err, messageId }, 'answer threw after its end')
  } else {
    log.error({ err, messageId }, 'answer threw; it ends INTERNAL')
    await env.bounded(stopAtCoze(env, run), 'Coze stop')
    const outcome = (run.state.outcome = vcFailure('VC_ERR_INTERNAL'))
    const ended = finish(env, run, run.sink.opened ? terminalEvent(outcome) : undefined)
    await ended.catch((e: unknown) => log.error({ err: e, messageId }, 'ending a failed answer threw'))
    if (!run.sink.opened) throw stopped(httpError(outcome))
  }
  run.sink.close()
}

/** The HTTP errors of answers whose chat was stopped at Coze: a reply's question no longer waits. */
const stoppedErrors = new WeakSet<object>()
function stopped(err: Error) {
  stoppedErrors.add(err)
  return err
}
export const stoppedAtCoze = (err: unknown) => err instanceof Error && stoppedErrors.has(err)

/** Its stream stopped, and its chat cancelled at Coze unless Coze ended it (4104 is fine too). */
async function stopAtCoze(env: RelayEnv, run: Run) {
  run.stop.abort()
  if (!run.stream) return reap(env, run, true) // Coze has not opened it (for this run) yet
  run.stream.abort()
  const chatId = run.state.chatId ?? run.body.replyTo?.cozeChatId
  if (chatId && !run.state.outcome) await cancelAtCoze(env, run, chatId)
}
