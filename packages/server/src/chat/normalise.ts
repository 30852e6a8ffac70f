/**
 * Coze's stream → the widget's events (SPEC §2.2). Pure: state in, events out, so every Coze event
 * kind is tested without a network. The accumulated state is what T3 archives.
 */
import type { CozeEvent } from '../coze/events'
import type { StreamEvent, Usage } from '../wire'

export interface AnswerState {
  chatId: string | null
  answer: string
  reasoning: string
  suggestions: string[]
  usage: Usage | null
  /** Set once the answer has ended one way or another. */
  outcome: { status: 'completed' } | { status: 'failed'; code: string; message: string } | null
  /** Whether an answer message streamed deltas (so its `completed` copy is not relayed twice). */
  sawAnswerDelta: boolean
}

export const newAnswerState = (): AnswerState => ({
  chatId: null,
  answer: '',
  reasoning: '',
  suggestions: [],
  usage: null,
  outcome: null,
  sawAnswerDelta: false,
})

const fail = (s: AnswerState, code: string, message: string): StreamEvent[] => {
  s.outcome = { status: 'failed', code, message }
  return [{ event: 'error', data: { code, message } }]
}

/** Applies one Coze event to `s`; returns what to relay. Nothing is relayed after the outcome is known. */
export function normalise(s: AnswerState, e: CozeEvent): StreamEvent[] {
  if (s.outcome) return []
  switch (e.kind) {
    case 'message': {
      const m = e.message
      if (m.role !== 'assistant') return []
      if (m.type === 'answer' && e.name === 'conversation.message.delta') {
        const out: StreamEvent[] = []
        if (m.reasoning_content) {
          s.reasoning += m.reasoning_content
          out.push({ event: 'reasoning', data: { text: m.reasoning_content } })
        }
        if (m.content) {
          s.sawAnswerDelta = true
          s.answer += m.content
          out.push({ event: 'delta', data: { text: m.content } })
        }
        return out
      }
      if (m.type === 'answer' && !s.sawAnswerDelta && m.content) {
        // A bot that answers without deltas: relay the whole message once.
        s.answer += m.content
        return [{ event: 'delta', data: { text: m.content } }]
      }
      if (m.type === 'follow_up' && e.name === 'conversation.message.completed' && m.content) {
        s.suggestions.push(m.content)
      }
      return []
    }
    case 'chat': {
      s.chatId ??= e.chat.id
      // Coze keeps streaming after a cancel and may close with a `completed` event carrying `canceled`.
      if (e.name === 'conversation.chat.canceled' || e.chat.status === 'canceled') {
        return fail(s, 'CANCELLED', 'The answer was cancelled')
      }
      if (e.name === 'conversation.chat.completed') {
        const u = e.chat.usage
        s.usage = { inputTokens: u?.input_count ?? 0, outputTokens: u?.output_count ?? 0 }
        s.outcome = { status: 'completed' }
        const out: StreamEvent[] = []
        if (s.suggestions.length) out.push({ event: 'suggestions', data: { items: s.suggestions } })
        out.push({ event: 'done', data: { status: 'completed', usage: s.usage } })
        return out
      }
      if (e.name === 'conversation.chat.failed') {
        return fail(s, 'UPSTREAM_ERROR', e.chat.last_error?.msg || 'Coze could not answer')
      }
      if (e.name === 'conversation.chat.requires_action') {
        return fail(s, 'UPSTREAM_ERROR', 'The bot asked for a tool call, which this service does not run')
      }
      return []
    }
    case 'error':
      return fail(s, 'UPSTREAM_ERROR', e.msg || `Coze error ${e.code}`)
    case 'done':
      return s.outcome ? [] : fail(s, 'UPSTREAM_INTERRUPTED', 'Coze ended the stream without an answer')
    case 'unknown':
      return []
    default:
      return assertNever(e)
  }
}

export function assertNever(x: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(x)}`)
}
