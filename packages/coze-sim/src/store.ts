/** In-memory conversations and chats. Nothing expires: a sim lives for one test run. */
import { unixSeconds } from './ids'
import type { ChatRec, MessageRec } from './wire'

export interface ConversationRec {
  id: string
  created_at: number
  meta_data: Record<string, string>
  last_section_id: string
  bot_id?: string
  /** `/v1/conversation/create` `name` (≤ 100 characters; the console lists conversations per bot by it). */
  name?: string
  /** Questions and answers in the order they were created (what the conversation message list shows). */
  messages: MessageRec[]
  /** The chat that may still be generating; see `isBusy`. */
  activeChatId?: string
}

export interface EnterMessage {
  role: 'user' | 'assistant'
  content: string
  content_type: MessageRec['content_type']
  meta_data?: Record<string, string>
}

/**
 * A chat still generating. A chat waiting in `requires_action` is not running: it cannot be cancelled
 * (4104, §9 row 3) and, UNVERIFIED, does not block its conversation with 4016 (see README).
 */
export const isRunning = (c: ChatRec) => c.status === 'created' || c.status === 'in_progress'

export function createStore(nextId: () => string) {
  const conversations = new Map<string, ConversationRec>()
  const chats = new Map<string, ChatRec>()

  function createConversation(
    init: { meta_data?: Record<string, string>; bot_id?: string; name?: string } = {},
  ) {
    const conversation: ConversationRec = {
      id: nextId(),
      created_at: unixSeconds(),
      meta_data: init.meta_data ?? {},
      last_section_id: nextId(),
      ...(init.bot_id === undefined ? {} : { bot_id: init.bot_id }),
      ...(init.name === undefined ? {} : { name: init.name }),
      messages: [],
    }
    conversations.set(conversation.id, conversation)
    return conversation
  }

  /** Coze runs one chat at a time per conversation (code 4016). */
  function isBusy(conversation: ConversationRec): boolean {
    const active = conversation.activeChatId === undefined ? undefined : chats.get(conversation.activeChatId)
    return active !== undefined && isRunning(active)
  }

  function addChat(conversation: ConversationRec, chat: ChatRec) {
    chats.set(chat.id, chat)
    conversation.activeChatId = chat.id
  }

  /** A message sent by the caller (`EnterMessage` of conversation create or `additional_messages`). */
  function addEnterMessage(
    conversation: ConversationRec,
    m: EnterMessage,
    chat?: { id: string; bot_id: string },
  ) {
    const now = unixSeconds()
    const message: MessageRec = {
      id: nextId(),
      conversation_id: conversation.id,
      bot_id: chat?.bot_id ?? conversation.bot_id ?? '',
      chat_id: chat?.id ?? '',
      section_id: conversation.last_section_id,
      role: m.role,
      type: m.role === 'user' ? 'question' : 'answer',
      content: m.content,
      content_type: m.content_type,
      meta_data: m.meta_data ?? {},
      created_at: now,
      updated_at: now,
    }
    conversation.messages.push(message)
    return message
  }

  /** The chat, when it belongs to that conversation (Coze checks the pair). */
  function findChat(conversationId: string, chatId: string): ChatRec | undefined {
    const chat = chats.get(chatId)
    return chat?.conversation_id === conversationId ? chat : undefined
  }

  return {
    conversation: (id: string) => conversations.get(id),
    chat: (id: string) => chats.get(id),
    createConversation,
    isBusy,
    addChat,
    addEnterMessage,
    findChat,
  }
}

export type Store = ReturnType<typeof createStore>
