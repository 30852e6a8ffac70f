/**
 * Coze's stream → the widget's events (SPEC §2.2). Pure: state in, events out, so every Coze event
 * kind is tested without a network. The accumulated state is what T3 archives. How the answer ends is
 * decided by `outcome.ts`; this file only recognises which Coze event says it.
 */
import type { CozeEvent, CozeMessage, CozeToolCall } from '../core/coze/events'
import type { ArchivedPart } from '../store/types'
import type { StreamEvent, Usage } from '../core/wire'
import { cozeFailure, noAnswer, stopped, terminalEvent, vcFailure, type Outcome } from './outcome'
import { partEvent, partsOfObjectString } from './parts'

/** One answer message as archived: text parts carry their text, others their data. */
export type AnswerPart = ArchivedPart

export interface AnswerState {
  chatId: string | null
  /** The text parts joined by a blank line (SPEC §2.2: the archived answer). */
  answer: string
  reasoning: string
  suggestions: string[]
  usage: Usage | null
  /** Set once the answer has ended one way or another. */
  outcome: Outcome | null
  parts: AnswerPart[]
  /** Coze message id → its text part (deltas of one message go to one part). */
  textPartOf: Map<string, number>
  /** Coze message ids already relayed whole (a `completed` copy is not relayed twice). */
  relayed: Set<string>
  /** `function` tool calls Coze waits for (SPEC §2.8); the relay answers them and reads on. */
  toolCalls: CozeToolCall[]
  /** The question node's tool call id, when the bot asked the user something. */
  awaitingReply: string | null
}

export const newAnswerState = (): AnswerState => ({
  chatId: null,
  answer: '',
  reasoning: '',
  suggestions: [],
  usage: null,
  outcome: null,
  parts: [],
  textPartOf: new Map(),
  relayed: new Set(),
  toolCalls: [],
  awaitingReply: null,
})

/** How much of a Coze message's text the widget already has (for the rest after a broken stream). */
export function deliveredText(s: AnswerState, messageId: string): number {
  const i = s.textPartOf.get(messageId)
  if (i !== undefined) return s.parts[i]?.text?.length ?? 0
  return s.relayed.has(messageId) ? Infinity : 0
}

const end = (s: AnswerState, o: Outcome): StreamEvent[] => {
  s.outcome = o
  return [terminalEvent(o)]
}

const usageOf = (u: { input_count?: number; output_count?: number } | undefined): Usage => ({
  inputTokens: u?.input_count ?? 0,
  outputTokens: u?.output_count ?? 0,
})

/** Applies one Coze event to `s`; returns what to relay. Nothing is relayed after the outcome is known. */
export function normalise(s: AnswerState, e: CozeEvent): StreamEvent[] {
  if (s.outcome) return []
  switch (e.kind) {
    case 'message':
      return message(s, e.name, e.message)
    case 'chat': {
      s.chatId ??= e.chat.id
      // Coze keeps streaming after a cancel and may close with a `completed` event carrying `canceled`.
      if (e.name === 'conversation.chat.canceled' || e.chat.status === 'canceled')
        return end(s, stopped.cancel())
      if (e.name === 'conversation.chat.completed') {
        s.usage = usageOf(e.chat.usage)
        return [...suggestions(s), ...end(s, { status: 'completed', usage: s.usage })]
      }
      if (e.name === 'conversation.chat.failed') {
        const err = e.chat.last_error
        return end(s, cozeFailure(err?.code ?? 0, err?.msg || 'Coze could not answer'))
      }
      if (e.name === 'conversation.chat.requires_action') return requiresAction(s, e.chat)
      return []
    }
    case 'error':
      return end(s, cozeFailure(e.code, e.msg))
    case 'done':
      // After a `function` call Coze ends this stream; the relay continues the chat.
      if (s.toolCalls.length) return []
      return end(s, noAnswer())
    case 'unknown':
      return []
    default:
      return assertNever(e)
  }
}

function message(s: AnswerState, name: string, m: CozeMessage): StreamEvent[] {
  if (m.role !== 'assistant') return []
  if (m.type === 'follow_up') {
    if (name === 'conversation.message.completed' && m.content) s.suggestions.push(m.content)
    return []
  }
  if (m.type !== 'answer') return []
  const id = m.id ?? ''
  if (name === 'conversation.message.delta') {
    const out: StreamEvent[] = []
    if (m.reasoning_content) {
      s.reasoning += m.reasoning_content
      out.push({ event: 'reasoning', data: { text: m.reasoning_content } })
    }
    if (m.content) out.push(...text(s, id, m.content))
    return out
  }
  // `completed`: the whole message. Text that streamed as deltas is not relayed again.
  if (s.textPartOf.has(id) || s.relayed.has(id) || !m.content) return []
  s.relayed.add(id)
  if (m.content_type === 'card') return [part(s, { kind: 'card', data: parseJson(m.content) })]
  if (m.content_type === 'object_string') {
    return partsOfObjectString(m.content).flatMap((p) =>
      p.kind === 'text' ? text(s, `${id}#${s.parts.length}`, p.text ?? '') : [part(s, p)],
    )
  }
  return text(s, id, m.content)
}

/** Text of one Coze message: the first message's text needs no `part`; every later one starts one. */
function text(s: AnswerState, id: string, content: string): StreamEvent[] {
  const out: StreamEvent[] = []
  let i = s.textPartOf.get(id)
  if (i === undefined) {
    i = s.parts.length
    s.textPartOf.set(id, i)
    s.parts.push({ kind: 'text', text: '' })
    if (i > 0) out.push(partEvent(i, { kind: 'text' }))
    if (s.answer) s.answer += '\n\n'
  }
  s.parts[i]!.text += content
  s.answer += content
  out.push({ event: 'delta', data: { text: content } })
  return out
}

function part(s: AnswerState, p: AnswerPart): StreamEvent {
  const index = s.parts.length
  s.parts.push(p)
  return partEvent(index, p)
}

function suggestions(s: AnswerState): StreamEvent[] {
  return s.suggestions.length ? [{ event: 'suggestions', data: { items: s.suggestions } }] : []
}

/**
 * A question node (`reply_message`) ends this answer: the widget's next input is the reply. `function`
 * calls are kept for the relay, which answers them and reads the continuation of the same chat.
 */
function requiresAction(
  s: AnswerState,
  chat: {
    required_action?: { submit_tool_outputs?: { tool_calls?: CozeToolCall[] } }
    usage?: { input_count?: number; output_count?: number }
  },
): StreamEvent[] {
  const calls = chat.required_action?.submit_tool_outputs?.tool_calls ?? []
  const reply = calls.find((c) => c.type === 'reply_message')
  if (reply) {
    s.usage = usageOf(chat.usage)
    s.awaitingReply = reply.id
    const action: StreamEvent = { event: 'action', data: { kind: 'reply', toolCallId: reply.id } }
    return [action, ...suggestions(s), ...end(s, { status: 'requires_action', usage: s.usage })]
  }
  if (!calls.length)
    return end(s, vcFailure('VC_ERR_UPSTREAM_ERROR', 'Coze asked for an action it did not name'))
  s.toolCalls = calls
  return calls.map((c) => ({
    event: 'action',
    data: { kind: 'tool', toolCallId: c.id, name: c.function?.name ?? '' },
  }))
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return { text }
  }
}

export function assertNever(x: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(x)}`)
}
