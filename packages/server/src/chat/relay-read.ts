/**
 * Reading an answer: Coze's events are relayed as they arrive, through a bot's tool rounds (SPEC §2.8)
 * and a broken connection (SPEC §2.7: Coze goes on, and is asked how the chat ended).
 */
import type { ChatStream } from '../core/coze/client'
import type { CozeEvent } from '../core/coze/events'
import { eventsAfterBreak } from './after-break'
import { deliveredText, normalise } from './normalise'
import { isTerminalEvent } from '../core/streams/types'
import { vcFailure } from './outcome'
import { emit, type RelayEnv, type Run } from './relay-run'
import { answerToolCalls } from './tool-round'

/** Tool rounds one answer may take: a bot calling tools in a loop must still end. */
const MAX_TOOL_ROUNDS = 5

/** Reads Coze's streams until the answer's outcome, a break Coze did not recover from, or a stop. */
export async function readAll(env: RelayEnv, run: Run, first: ChatStream) {
  let stream: ChatStream | undefined = first
  for (let round = 0; stream; round++) {
    run.broke = await readOnce(env, run, stream)
    if (run.broke !== undefined) await afterBreak(env, run)
    const s = run.state
    if (run.broke !== undefined || run.aborted || !s.toolCalls.length || !s.chatId) return
    if (round >= MAX_TOOL_ROUNDS) {
      s.outcome = vcFailure('VC_ERR_UPSTREAM_ERROR', 'The bot called tools too many times')
      return
    }
    stream = await toolRound(env, run)
  }
}

/** One stream to its end; what broke it, if anything. A throw of ours is no break: it is rethrown. */
async function readOnce(env: RelayEnv, run: Run, stream: ChatStream): Promise<unknown> {
  const ours = { threw: false }
  try {
    await stream.read((e) => {
      try {
        return onEvent(env, run, e)
      } catch (err) {
        ours.threw = true
        throw err
      }
    })
    return undefined
  } catch (err) {
    if (ours.threw) throw err // normalise or the stream log failed: the answer ends INTERNAL (relay-crash.ts)
    return err
  } finally {
    stream.abort() // Coze keeps streaming after the terminal event otherwise
  }
}

/** One Coze event: relayed, except the end, which `finish` sends after the unlock. True to stop. */
function onEvent(env: RelayEnv, run: Run, e: CozeEvent): boolean {
  const { state } = run
  if (e.kind === 'chat' && !state.chatId) run.chatIdSaved = saveChatId(env, run, e.chat.id)
  if (e.kind === 'message' && e.message.type === 'answer') run.cozeMessageId = e.message.id
  for (const out of normalise(state, e)) {
    if (isTerminalEvent(out)) continue
    if (run.firstTokenAt === null && out.event === 'delta') {
      run.firstTokenAt = env.now()
      env.observe.firstToken(run.chat, run.firstTokenAt - run.askedAt)
    }
    emit(env, run, out)
  }
  return state.outcome !== null
}

/** Kept off the token path: recorded once T1 is in, for recovery of an orphaned answer. */
function saveChatId(env: RelayEnv, run: Run, chatId: string) {
  const { messageId } = run.ids
  return run.t1
    .then((ok) => (ok ? env.d.store.setCozeChatId(messageId, chatId) : undefined))
    .catch((err: unknown) => env.d.log.warn({ err, messageId }, 'could not record the Coze chat id'))
}

/** A broken or idle stream is not a failed answer: Coze goes on; ask it how the chat ended. */
async function afterBreak(env: RelayEnv, run: Run) {
  const { state } = run
  if (run.aborted || state.outcome || !state.chatId) return
  const ids = { conversationId: run.ids.conversationId, chatId: state.chatId }
  const waiting = {
    deadline: run.askedAt + env.maxAnswerMs,
    pollMs: env.pollMs,
    signal: run.stop.signal,
    now: env.now,
  }
  const rest = await eventsAfterBreak(env.d.coze, ids, (id) => deliveredText(state, id), waiting).catch(
    (err: unknown) => {
      env.d.log.warn({ err, messageId: run.ids.messageId }, 'could not learn how Coze ended the chat')
      return []
    },
  )
  if (rest.length) run.broke = undefined
  for (const e of rest) onEvent(env, run, e)
}

/** A `function` call: website A's tool answers, and the same Coze chat goes on (SPEC §2.8). */
async function toolRound(env: RelayEnv, run: Run): Promise<ChatStream | undefined> {
  const { state } = run
  const outputs = await answerToolCalls(env.d.tools, run.user, run.ids, state.toolCalls)
  state.toolCalls = []
  try {
    const chat = { conversationId: run.ids.conversationId, chatId: state.chatId!, outputs }
    run.stream = await env.d.coze.submitToolOutputs(chat)
    if (run.aborted) run.stream.abort()
    return run.stream
  } catch (err) {
    run.broke = err
    return undefined
  }
}
