/** Coze chat v3 objects and stream events, as in coze-protocol.md §2.2–2.5. */

export type CozeChatStatus =
  'created' | 'in_progress' | 'completed' | 'failed' | 'requires_action' | 'canceled'

export interface CozeChat {
  id: string
  conversation_id: string
  bot_id?: string
  status: CozeChatStatus
  created_at?: number
  completed_at?: number
  failed_at?: number
  last_error?: { code: number; msg: string }
  /** Set while `status` is `requires_action` (coze-protocol §9 row 3). */
  required_action?: {
    type: 'submit_tool_outputs'
    submit_tool_outputs?: { tool_calls?: CozeToolCall[] }
  }
  usage?: { token_count: number; output_count: number; input_count: number }
}

/** `reply_message`: a chatflow question node asks the user; `function`: a client-side plugin call. */
export interface CozeToolCall {
  id: string
  type: 'function' | 'reply_message' | string
  function?: { name?: string; arguments?: string }
}

export interface CozeMessage {
  id: string
  conversation_id: string
  chat_id: string
  role: 'user' | 'assistant'
  type: string
  content: string
  content_type: string
  reasoning_content?: string
}

/** One parsed upstream event; names Coze may add later arrive as `unknown` and are ignored. */
export type CozeEvent =
  | { kind: 'chat'; name: ChatEventName; chat: CozeChat }
  | {
      kind: 'message'
      name: 'conversation.message.delta' | 'conversation.message.completed'
      message: CozeMessage
    }
  | { kind: 'error'; code: number; msg: string }
  | { kind: 'done' }
  | { kind: 'unknown'; name: string }

export type ChatEventName =
  | 'conversation.chat.created'
  | 'conversation.chat.in_progress'
  | 'conversation.chat.completed'
  | 'conversation.chat.failed'
  | 'conversation.chat.requires_action'
  | 'conversation.chat.canceled'

const CHAT_EVENTS = new Set<string>([
  'conversation.chat.created',
  'conversation.chat.in_progress',
  'conversation.chat.completed',
  'conversation.chat.failed',
  'conversation.chat.requires_action',
  'conversation.chat.canceled',
])

/**
 * Turns one SSE message into a typed event. Returns `undefined` for a known event whose data is not
 * JSON (the caller counts and skips it), `unknown` for names we do not handle (coze-protocol §7.8).
 */
export function parseCozeEvent(name: string, data: string): CozeEvent | undefined {
  if (name === 'done') return { kind: 'done' }
  if (name === 'error') {
    const body = tryJson(data) as { code?: number; msg?: string } | undefined
    return { kind: 'error', code: Number(body?.code ?? 0), msg: String(body?.msg ?? data).slice(0, 500) }
  }
  if (CHAT_EVENTS.has(name)) {
    const chat = tryJson(data) as CozeChat | undefined
    return chat && typeof chat.id === 'string'
      ? { kind: 'chat', name: name as ChatEventName, chat }
      : undefined
  }
  if (name === 'conversation.message.delta' || name === 'conversation.message.completed') {
    const message = tryJson(data) as CozeMessage | undefined
    return message && typeof message === 'object' ? { kind: 'message', name, message } : undefined
  }
  return { kind: 'unknown', name }
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return undefined // reported by the caller as a malformed event
  }
}
