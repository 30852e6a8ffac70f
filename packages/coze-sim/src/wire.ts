/**
 * Records the sim keeps and the exact JSON it puts on the wire for them (coze-protocol.md §2.2, §2.3).
 * Field order follows the captured streams, so the bytes look like Coze's.
 */
import { unixSeconds } from './ids'
import type { ConversationRec } from './store'
import type { ChatStatus, SimChat, SimConversation, Usage } from './types'

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
  content_type: 'text' | 'object_string' | 'card'
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
  /** Set while the chat waits in `requires_action` (coze-protocol.md §9 row 3). */
  required_action?: RequiredAction
  /** Every accepted `submit_tool_outputs`, in order. */
  tool_outputs: { tool_call_id: string; output: string }[]
}

export interface ToolCall {
  id: string
  type: 'function' | 'reply_message'
  function: { name: string; arguments: string }
}

/** js `RequiredActionType`, py `ChatRequiredAction`. */
export interface RequiredAction {
  type: 'submit_tool_outputs'
  submit_tool_outputs: { tool_calls: ToolCall[] }
}

/** An assistant message of a chat (answer, follow_up or verbose), created now. */
export function assistantMessage(
  chat: ChatRec,
  id: string,
  type: MessageType,
  content: string,
  contentType: MessageRec['content_type'],
): MessageRec {
  const now = unixSeconds()
  return {
    id,
    conversation_id: chat.conversation_id,
    bot_id: chat.bot_id,
    chat_id: chat.id,
    section_id: chat.section_id,
    role: 'assistant',
    type,
    content,
    content_type: contentType,
    meta_data: {},
    created_at: now,
    updated_at: now,
  }
}

/** One tool call waiting for `submit_tool_outputs`. */
export function requiredAction(
  id: string,
  action: { type: ToolCall['type']; name: string; arguments: string },
): RequiredAction {
  const call = { id, type: action.type, function: { name: action.name, arguments: action.arguments } }
  return { type: 'submit_tool_outputs', submit_tool_outputs: { tool_calls: [call] } }
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
    ...(c.required_action ? { required_action: c.required_action } : {}),
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
  const answers = c.messages.filter((m) => m.type === 'answer')
  return {
    id: c.id,
    conversationId: c.conversation_id,
    botId: c.bot_id,
    userId: c.user_id,
    question: c.question,
    stream: c.stream,
    status: c.status,
    answer: answers
      .filter((m) => m.content_type !== 'card')
      .map(textOf)
      .join('\n\n'),
    reasoning: c.reasoning,
    deltas: c.deltas,
    createdAt: c.created_at,
    ...(c.completed_at === undefined ? {} : { completedAt: c.completed_at }),
    ...(c.failed_at === undefined ? {} : { failedAt: c.failed_at }),
    lastError: { ...c.last_error },
    usage: { ...c.usage },
    messages: answers.map((m) => ({ id: m.id, contentType: m.content_type, content: m.content })),
    ...(c.required_action
      ? { requiredAction: { toolCalls: c.required_action.submit_tool_outputs.tool_calls.map(toolCallOf) } }
      : {}),
    toolOutputs: c.tool_outputs.map((t) => ({ ...t })),
  }
}

export function simConversationOf(c: ConversationRec): SimConversation {
  return {
    id: c.id,
    ...(c.bot_id === undefined ? {} : { botId: c.bot_id }),
    ...(c.name === undefined ? {} : { name: c.name }),
    metaData: { ...c.meta_data },
    createdAt: c.created_at,
  }
}

/** The text a message shows: an object_string's text parts, a text message's content. */
function textOf(m: MessageRec): string {
  if (m.content_type !== 'object_string') return m.content
  try {
    const parts = JSON.parse(m.content) as { type?: string; text?: string }[]
    return parts.flatMap((p) => (p.type === 'text' && p.text ? [p.text] : [])).join('\n')
  } catch {
    return '' // not complete yet: object_string arrives whole
  }
}

const toolCallOf = (t: ToolCall) => ({ id: t.id, type: t.type, ...t.function })

/** The `verbose` message that closes an answer in real streams (py workflows fixture, go WS recording). */
export const GENERATE_ANSWER_FINISH = JSON.stringify({
  msg_type: 'generate_answer_finish',
  data: JSON.stringify({ finish_reason: 0, FinData: '' }),
  from_module: null,
  from_unit: null,
})
