/**
 * A chat's generation on the sim's own timeline. It runs to its end whatever happens to the HTTP
 * connection that started it; SSE responses only observe it (coze-protocol.md §2.6: retrieve and
 * message list later show the finished chat).
 */
import { unixSeconds } from './ids'
import type { ConversationRec } from './store'
import type { ScriptedAnswer } from './types'
import {
  chatJson,
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
   * `fail`: chat.failed + done; `error`: an `error` event and nothing after it. Comes after all reasoning
   * deltas and `afterDeltas` answer deltas (default: half of them).
   */
  failure?: { kind: 'fail' | 'error'; afterDeltas?: number }
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
  private readonly steps: { reasoning: boolean; text: string }[]
  private readonly failAt: number | undefined
  private timer: NodeJS.Timeout | undefined
  private index = 0
  private firstAt = 0
  private finished = false

  constructor(private readonly d: RunDeps) {
    const { answer, plan } = d
    this.steps = [
      ...answer.reasoningChunks.map((text) => ({ reasoning: true, text })),
      ...answer.chunks.map((text) => ({ reasoning: false, text })),
    ]
    const answerDeltas = answer.chunks.length
    const after = Math.min(plan.failure?.afterDeltas ?? Math.floor(answerDeltas / 2), answerDeltas)
    this.failAt = plan.failure ? answer.reasoningChunks.length + after : undefined
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
    this.firstAt = Date.now() + this.d.plan.ttftMs
    this.schedule()
  }

  /** Stops the timeline without terminal events (the sim is closing). */
  stop(): void {
    this.finished = true
    clearTimeout(this.timer)
    this.observers.clear()
  }

  private dueAt(i: number): number {
    const tps = this.d.plan.tokensPerSecond
    return this.firstAt + (tps > 0 ? (i * 1000) / tps : 0)
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.dueAt(this.index) - Date.now()))
  }

  /** Sends every delta that is due: late timers catch up instead of drifting. */
  private tick(): void {
    for (let sent = 0; !this.finished; sent++) {
      if (this.index === this.failAt) return this.fail()
      if (this.index >= this.steps.length) return this.complete()
      if (this.d.plan.tokensPerSecond > 0 ? this.dueAt(this.index) > Date.now() : sent >= BATCH) break
      this.sendDelta(this.steps[this.index++]!)
    }
    if (!this.finished) this.schedule()
  }

  private sendDelta(step: { reasoning: boolean; text: string }): void {
    const { chat } = this.d
    const answer = this.answerMessage()
    chat.deltas++
    if (step.reasoning) {
      chat.reasoning += step.text
      answer.reasoning_content = chat.reasoning
      this.emit(
        'conversation.message.delta',
        deltaJson(answer, { content: '', reasoning_content: step.text }),
      )
    } else {
      answer.content += step.text
      this.emit('conversation.message.delta', deltaJson(answer, { content: step.text }), true)
    }
  }

  private complete(): void {
    const { chat, answer } = this.d
    const now = unixSeconds()
    const message = this.answerMessage()
    message.updated_at = now
    this.emit('conversation.message.completed', messageJson(message))
    for (const text of answer.followUps) this.emitMessage('follow_up', text)
    this.emitMessage('verbose', GENERATE_ANSWER_FINISH)
    // A canceled chat stays canceled: cancel only switches the state (coze-protocol.md §2.7).
    if (chat.status !== 'canceled') {
      chat.status = 'completed'
      chat.completed_at = now
    }
    chat.usage = { ...answer.usage }
    this.emit('conversation.chat.completed', chatJson(chat))
    this.emitDone()
  }

  private fail(): void {
    const { chat, plan } = this.d
    const error = plan.failure?.kind === 'error' ? SERVER_ERROR : FAILED_ERROR
    if (chat.status !== 'canceled') {
      chat.status = 'failed'
      chat.failed_at = unixSeconds()
      chat.last_error = { ...error }
    }
    const input = this.d.answer.usage.input_count
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

  /** The answer message is created with the first delta (or at completion for an empty answer). */
  private answerMessage(): MessageRec {
    const found = this.d.chat.messages.find((m) => m.type === 'answer')
    if (found) return found
    const message = this.newMessage('answer', '')
    this.d.conversation.messages.push(message)
    return message
  }

  private emitMessage(type: 'follow_up' | 'verbose', content: string): void {
    this.emit('conversation.message.completed', messageJson(this.newMessage(type, content)))
  }

  private newMessage(type: MessageRec['type'], content: string): MessageRec {
    const { chat } = this.d
    const now = unixSeconds()
    const message: MessageRec = {
      id: this.d.nextId(),
      conversation_id: chat.conversation_id,
      bot_id: chat.bot_id,
      chat_id: chat.id,
      section_id: chat.section_id,
      role: 'assistant',
      type,
      content,
      content_type: 'text',
      meta_data: {},
      created_at: now,
      updated_at: now,
    }
    chat.messages.push(message)
    return message
  }

  private emit(event: string, data: unknown, answerDelta = false): void {
    const json = JSON.stringify(data)
    for (const o of this.observers) o.frame(event, json, answerDelta)
  }
}
