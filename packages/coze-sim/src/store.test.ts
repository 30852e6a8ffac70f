import { describe, expect, it } from 'vitest'
import { createIdGenerator } from './ids'
import { createStore } from './store'
import { emptyUsage, type ChatRec } from './wire'

function chatIn(conversationId: string, id: string, status: ChatRec['status']): ChatRec {
  return {
    id,
    conversation_id: conversationId,
    bot_id: 'b',
    user_id: 'u',
    section_id: 's',
    meta_data: {},
    created_at: 0,
    last_error: { code: 0, msg: '' },
    status,
    usage: emptyUsage(),
    question: '',
    stream: false,
    messages: [],
    reasoning: '',
    deltas: 0,
    tool_outputs: [],
  }
}

describe('createStore', () => {
  it('should count a conversation busy only while its chat is created or in progress', () => {
    const store = createStore(createIdGenerator())
    const conversation = store.createConversation()
    expect(store.isBusy(conversation)).toBe(false)
    const chat = chatIn(conversation.id, '1', 'in_progress')
    store.addChat(conversation, chat)
    expect(store.isBusy(conversation)).toBe(true)
    for (const status of ['completed', 'failed', 'canceled'] as const) {
      chat.status = status
      expect(store.isBusy(conversation)).toBe(false)
    }
  })

  it('should find a chat only with its own conversation', () => {
    const store = createStore(createIdGenerator())
    const a = store.createConversation()
    const b = store.createConversation()
    store.addChat(a, chatIn(a.id, '9', 'completed'))
    expect(store.findChat(a.id, '9')?.id).toBe('9')
    expect(store.findChat(b.id, '9')).toBeUndefined()
  })

  it('should keep enter messages as questions and answers of the conversation', () => {
    const store = createStore(createIdGenerator())
    const c = store.createConversation({ bot_id: 'bot', meta_data: { k: 'v' } })
    store.addEnterMessage(c, { role: 'user', content: '问', content_type: 'text' })
    store.addEnterMessage(c, { role: 'assistant', content: '答', content_type: 'text' })
    expect(c.messages.map((m) => [m.type, m.bot_id, m.content])).toEqual([
      ['question', 'bot', '问'],
      ['answer', 'bot', '答'],
    ])
  })
})
