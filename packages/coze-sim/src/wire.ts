/**
 * Records the sim keeps and the exact JSON it puts on the wire for them (coze-protocol.md §2.2, §2.3).
 * Field order follows the captured streams, so the bytes look like Coze's.
 */
import type { ChatStatus, SimChat, Usage } from './types'

export type MessageType = 'question' | 'answer' | 'follow_up' | 'verbose'

export interface MessageRec {
  id: string
  conversation_id: string
  bot_id: string
  chat_id: string
  section_id: string
  role: 'user' | 'assistant'
  type: MessageType
  content: string
  content_type: 'text' | 'object_string'
  meta_data: Record<string, string>
  created_at: number
  updated_at: number
  reasoning_content?: string
}

export interface ChatRec {
  id: string
  conversation_id: string
  bot_id: string
  user_id: string
  section_id: string
  meta_data: Record<string, string>
  created_at: number
  completed_at?: number
  failed_at?: number
  last_error: { code: number; msg: string }
  status: ChatStatus
  usage: Usage
  question: string
  stream: boolean
  /** Answer, follow-ups and verbose messages in the order they were produced. */
  messages: MessageRec[]
  /** Reasoning text produced so far (also kept on the answer message once it exists). */
  reasoning: string
  deltas: number
}

export const emptyUsage = (): Usage => ({ token_count: 0, output_count: 0, input_count: 0 })

export function chatJson(c: ChatRec) {
  return {
    id: c.id,
    conversation_id: c.conversation_id,
    bot_id: c.bot_id,
    created_at: c.created_at,
    ...(c.completed_at === undefined ? {} : { completed_at: c.completed_at }),
    ...(c.failed_at === undefined ? {} : { failed_at: c.failed_at }),
    meta_data: c.meta_data,
    last_error: c.last_error,
    status: c.status,
    usage: c.usage,
    section_id: c.section_id,
  }
}

/** A completed message, or an item of a message list. */
export function messageJson(m: MessageRec) {
  return {
    id: m.id,
    conversation_id: m.conversation_id,
    bot_id: m.bot_id,
    role: m.role,
    type: m.type,
    content: m.content,
    content_type: m.content_type,
    ...(m.reasoning_content === undefined ? {} : { reasoning_content: m.reasoning_content }),
    meta_data: m.meta_data,
    chat_id: m.chat_id,
    section_id: m.section_id,
    created_at: m.created_at,
    updated_at: m.updated_at,
  }
}

/** A `conversation.message.delta`: real deltas carry no meta_data/created_at/updated_at. */
export function deltaJson(m: MessageRec, part: { content: string; reasoning_content?: string }) {
  return {
    id: m.id,
    conversation_id: m.conversation_id,
    bot_id: m.bot_id,
    role: m.role,
    type: m.type,
    content: part.content,
    content_type: m.content_type,
    ...(part.reasoning_content === undefined ? {} : { reasoning_content: part.reasoning_content }),
    chat_id: m.chat_id,
    section_id: m.section_id,
  }
}

export function simChatOf(c: ChatRec): SimChat {
  const answer = c.messages.find((m) => m.type === 'answer')
  return {
    id: c.id,
    conversationId: c.conversation_id,
    botId: c.bot_id,
    userId: c.user_id,
    question: c.question,
    stream: c.stream,
    status: c.status,
    answer: answer?.content ?? '',
    reasoning: c.reasoning,
    deltas: c.deltas,
    createdAt: c.created_at,
    ...(c.completed_at === undefined ? {} : { completedAt: c.completed_at }),
    ...(c.failed_at === undefined ? {} : { failedAt: c.failed_at }),
    lastError: { ...c.last_error },
    usage: { ...c.usage },
  }
}

/** The `verbose` message that closes an answer in real streams (py workflows fixture, go WS recording). */
export const GENERATE_ANSWER_FINISH = JSON.stringify({
  msg_type: 'generate_answer_finish',
  data: JSON.stringify({ finish_reason: 0, FinData: '' }),
  from_module: null,
  from_unit: null,
})
