/**
 * A chat's generation on the sim's own timeline. It runs to its end whatever happens to the HTTP
 * connection that started it; SSE responses only observe it (coze-protocol.md §2.6: retrieve and
 * message list later show the finished chat). A chat that needs the client (`requires_action`, §9 row 3)
 * waits until `resume` continues it with the answer after `submit_tool_outputs`.
 */
import { unixSeconds } from './ids'
import { failIndex, stepsOf, type Step } from './run-steps'
import type { ConversationRec } from './store'
import type { ScriptedAnswer } from './types'
import {
  assistantMessage,
  chatJson,
  requiredAction,
  deltaJson,
  GENERATE_ANSWER_FINISH,
  messageJson,
  type ChatRec,
  type MessageRec,
} from './wire'

export interface RunObserver {
  /**
   * `data` is the single-line JSON text of the event. `answerDelta` marks deltas that carry answer
   * content (not reasoning): fault markers count those, so "after n deltas" always has answer text.
   */
  frame(event: string, data: string, answerDelta: boolean): void
  /** The stream is over (after `done`, or after an `error` event). */
  end(): void
}

export interface RunPlan {
  ttftMs: number
  /** 0 = as fast as possible. */
  tokensPerSecond: number
  /**
   * `fail`: chat.failed (with `error` as last_error, default 5000 "event interval error") + done;
   * `error`: an `error` event and nothing after it. Comes after all reasoning deltas and `afterDeltas`
   * answer deltas (default: half of them) of the final answer.
   */
  failure?: { kind: 'fail' | 'error'; afterDeltas?: number; error?: { code: number; msg: string } }
}

export interface RunDeps {
  chat: ChatRec
  conversation: ConversationRec
  answer: ScriptedAnswer
  plan: RunPlan
  nextId: () => string
  onFinish: () => void
}

/** With tokensPerSecond 0, how many deltas go out before yielding to the event loop. */
const BATCH = 256
export const SERVER_ERROR = {
  code: 5000,
  msg: "We're currently experiencing server issues. Please try again later.",
}
/** The only real `last_error` of a failed chat in the sources (py `tests/testdata/chat_failed_resp.txt`). */
export const FAILED_ERROR = { code: 5000, msg: 'event interval error' }

export class ChatRun {
  private readonly observers = new Set<RunObserver>()
  private answer: ScriptedAnswer
  private steps: Step[] = []
  private failAt: number | undefined
  /** The answer messages of this phase, created by their first step. */
  private recs: MessageRec[] = []
  private timer: NodeJS.Timeout | undefined
  private index = 0
  /** Deltas sent in this phase: pacing counts deltas only. */
  private paced = 0
  private firstAt = 0
  private finished = false

  constructor(private readonly d: RunDeps) {
    this.answer = d.answer
    this.load(d.answer)
  }

  get chatId(): string {
    return this.d.chat.id
  }

  observe(o: RunObserver): () => void {
    this.observers.add(o)
    return () => this.observers.delete(o)
  }

  start(): void {
    const { chat } = this.d
    this.emit('conversation.chat.created', chatJson(chat))
    chat.status = 'in_progress'
    this.emit('conversation.chat.in_progress', chatJson(chat))
    this.begin()
  }

  /**
   * Continues a chat waiting in `requires_action` with the answer after `submit_tool_outputs`. The
   * continuation opens with `conversation.chat.in_progress` (UNVERIFIED: whether Coze repeats `created`).
   */
  resume(answer: ScriptedAnswer): void {
    const { chat } = this.d
    delete chat.required_action
    chat.status = 'in_progress'
    this.answer = answer
    this.load(answer)
    this.emit('conversation.chat.in_progress', chatJson(chat))
    this.begin()
  }

  /** Stops the timeline without terminal events (the sim is closing). */
  stop(): void {
    this.finished = true
    clearTimeout(this.timer)
    this.observers.clear()
  }

  private load(answer: ScriptedAnswer): void {
    this.steps = stepsOf(answer)
    const failure = this.d.plan.failure
    this.failAt = failure && !answer.action ? failIndex(this.steps, failure.afterDeltas) : undefined
    this.recs = []
    this.index = 0
    this.paced = 0
  }

  private begin(): void {
    this.firstAt = Date.now() + this.d.plan.ttftMs
    this.schedule()
  }

  private dueAt(i: number): number {
    const tps = this.d.plan.tokensPerSecond
    return this.firstAt + (tps > 0 ? (i * 1000) / tps : 0)
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.dueAt(this.paced) - Date.now()))
  }

  /** Sends every step that is due: late timers catch up instead of drifting. */
  private tick(): void {
    for (let sent = 0; !this.finished;) {
      if (this.index === this.failAt) return this.fail()
      const step = this.steps[this.index]
      if (!step) return this.answer.action ? this.requireAction() : this.complete()
      if (step.kind === 'delta') {
        if (this.d.plan.tokensPerSecond > 0 ? this.dueAt(this.paced) > Date.now() : sent >= BATCH) break
        sent++
        this.paced++
      }
      this.index++
      if (step.kind === 'delta') this.sendDelta(step)
      else this.sendCompleted(step.message)
    }
    if (!this.finished) this.schedule()
  }

  private sendDelta(step: Extract<Step, { kind: 'delta' }>): void {
    const { chat } = this.d
    const message = this.message(step.message)
    chat.deltas++
    if (step.reasoning) {
      chat.reasoning += step.text
      message.reasoning_content = chat.reasoning
      this.emit(
        'conversation.message.delta',
        deltaJson(message, { content: '', reasoning_content: step.text }),
      )
    } else {
      message.content += step.text
      this.emit('conversation.message.delta', deltaJson(message, { content: step.text }), true)
    }
  }

  private sendCompleted(index: number): void {
    const message = this.message(index)
    message.content = this.answer.messages[index]!.content
    message.updated_at = unixSeconds()
    this.emit('conversation.message.completed', messageJson(message))
  }

  private complete(): void {
    const { chat } = this.d
    const answer = this.answer
    for (const text of answer.followUps) this.emitMessage('follow_up', text)
    this.emitMessage('verbose', GENERATE_ANSWER_FINISH)
    // A canceled chat stays canceled: cancel only switches the state (coze-protocol.md §2.7).
    if (chat.status !== 'canceled') {
      chat.status = 'completed'
      chat.completed_at = unixSeconds()
    }
    chat.usage = { ...answer.usage }
    this.emit('conversation.chat.completed', chatJson(chat))
    this.emitDone()
  }

  /** The chat waits for the client: requires_action, done, and the stream ends; the timeline pauses. */
  private requireAction(): void {
    const { chat } = this.d
    const action = this.answer.action!
    if (chat.status === 'canceled') return this.complete()
    chat.status = 'requires_action'
    chat.usage = { ...this.answer.usage }
    chat.required_action = requiredAction(this.d.nextId(), action)
    this.emit('conversation.chat.requires_action', chatJson(chat))
    this.emit('done', '[DONE]')
    clearTimeout(this.timer)
    for (const o of this.observers) o.end()
    this.observers.clear()
  }

  private fail(): void {
    const { chat, plan } = this.d
    const error = plan.failure?.kind === 'error' ? SERVER_ERROR : (plan.failure?.error ?? FAILED_ERROR)
    if (chat.status !== 'canceled') {
      chat.status = 'failed'
      chat.failed_at = unixSeconds()
      chat.last_error = { ...error }
    }
    const input = this.answer.usage.input_count
    chat.usage = { token_count: input + chat.deltas, output_count: chat.deltas, input_count: input }
    if (plan.failure?.kind === 'error') {
      this.emit('error', error)
      return this.finish()
    }
    this.emit('conversation.chat.failed', chatJson(chat))
    this.emitDone()
  }

  private emitDone(): void {
    this.emit('done', '[DONE]')
    this.finish()
  }

  private finish(): void {
    this.finished = true
    clearTimeout(this.timer)
    for (const o of this.observers) o.end()
    this.observers.clear()
    this.d.onFinish()
  }

  /** An answer message is created by its first step (delta, or `completed` for one that has none). */
  private message(index: number): MessageRec {
    const found = this.recs[index]
    if (found) return found
    const scripted = this.answer.messages[index]!
    const message = this.newMessage('answer', '', scripted.contentType)
    this.d.conversation.messages.push(message)
    this.recs[index] = message
    return message
  }

  private emitMessage(type: 'follow_up' | 'verbose', content: string): void {
    this.emit('conversation.message.completed', messageJson(this.newMessage(type, content)))
  }

  private newMessage(
    type: MessageRec['type'],
    content: string,
    contentType: MessageRec['content_type'] = 'text',
  ): MessageRec {
    const message = assistantMessage(this.d.chat, this.d.nextId(), type, content, contentType)
    this.d.chat.messages.push(message)
    return message
  }

  private emit(event: string, data: unknown, answerDelta = false): void {
    const json = JSON.stringify(data)
    for (const o of this.observers) o.frame(event, json, answerDelta)
  }
}
