import { describe, expect, it } from 'vitest'
import type { CozeChat, CozeEvent, CozeMessage } from '../coze/events'
import { newAnswerState, normalise } from './normalise'

const chat = (status: CozeChat['status'], extra: Partial<CozeChat> = {}): CozeChat => ({
  id: 'c1',
  conversation_id: 'v1',
  status,
  ...extra,
})
const msg = (type: string, content: string, extra: Partial<CozeMessage> = {}): CozeMessage => ({
  id: 'm1',
  conversation_id: 'v1',
  chat_id: 'c1',
  role: 'assistant',
  type,
  content,
  content_type: 'text',
  ...extra,
})
const run = (events: CozeEvent[]) => {
  const s = newAnswerState()
  const out = events.flatMap((e) => normalise(s, e))
  return { s, out }
}

describe('normalise', () => {
  it('should relay deltas, suggestions and done for a typical answer', () => {
    const { s, out } = run([
      { kind: 'chat', name: 'conversation.chat.created', chat: chat('created') },
      { kind: 'message', name: 'conversation.message.delta', message: msg('answer', '你') },
      { kind: 'message', name: 'conversation.message.delta', message: msg('answer', '好') },
      { kind: 'message', name: 'conversation.message.completed', message: msg('answer', '你好') },
      { kind: 'message', name: 'conversation.message.completed', message: msg('follow_up', '还有吗？') },
      { kind: 'message', name: 'conversation.message.completed', message: msg('verbose', '{}') },
      {
        kind: 'chat',
        name: 'conversation.chat.completed',
        chat: chat('completed', { usage: { token_count: 3, input_count: 1, output_count: 2 } }),
      },
      { kind: 'done' },
    ])
    expect(out).toEqual([
      { event: 'delta', data: { text: '你' } },
      { event: 'delta', data: { text: '好' } },
      { event: 'suggestions', data: { items: ['还有吗？'] } },
      { event: 'done', data: { status: 'completed', usage: { inputTokens: 1, outputTokens: 2 } } },
    ])
    expect(s.answer).toBe('你好')
    expect(s.chatId).toBe('c1')
  })

  it('should relay reasoning separately from the answer', () => {
    const { s, out } = run([
      {
        kind: 'message',
        name: 'conversation.message.delta',
        message: msg('answer', '', { reasoning_content: '想' }),
      },
    ])
    expect(out).toEqual([{ event: 'reasoning', data: { text: '想' } }])
    expect(s.reasoning).toBe('想')
  })

  it('should relay a completed answer once when no delta came', () => {
    const { out } = run([
      { kind: 'message', name: 'conversation.message.completed', message: msg('answer', '整段') },
    ])
    expect(out).toEqual([{ event: 'delta', data: { text: '整段' } }])
  })

  it.each([
    [
      {
        kind: 'chat',
        name: 'conversation.chat.failed',
        chat: chat('failed', { last_error: { code: 5000, msg: 'x' } }),
      },
      'UPSTREAM_ERROR',
    ],
    [
      { kind: 'chat', name: 'conversation.chat.requires_action', chat: chat('requires_action') },
      'UPSTREAM_ERROR',
    ],
    [{ kind: 'chat', name: 'conversation.chat.canceled', chat: chat('canceled') }, 'CANCELLED'],
    [{ kind: 'error', code: 5000, msg: 'boom' }, 'UPSTREAM_ERROR'],
    [{ kind: 'done' }, 'UPSTREAM_INTERRUPTED'],
  ] as [CozeEvent, string][])('should end with an error event for %o', (e, code) => {
    const { s, out } = run([
      e,
      { kind: 'message', name: 'conversation.message.delta', message: msg('answer', 'late') },
    ])
    expect(out).toEqual([{ event: 'error', data: { code, message: expect.any(String) } }])
    expect(s.outcome).toMatchObject({ status: 'failed', code })
  })

  it('should ignore unknown events and user messages', () => {
    const { out } = run([
      { kind: 'unknown', name: 'PING' },
      {
        kind: 'message',
        name: 'conversation.message.delta',
        message: { ...msg('answer', 'q'), role: 'user' },
      },
    ])
    expect(out).toEqual([])
  })
})
