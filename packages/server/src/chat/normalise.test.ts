import { describe, expect, it } from 'vitest'
import type { CozeChat, CozeEvent, CozeMessage } from '../core/coze/events'
import { deliveredText, newAnswerState, normalise } from './normalise'

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
    expect(s.outcome).toMatchObject({ status: code === 'CANCELLED' ? 'cancelled' : 'failed', code })
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

  describe('several answer messages, cards and object_string (coze-protocol §9 row 4)', () => {
    const delta = (id: string, content: string): CozeEvent => ({
      kind: 'message',
      name: 'conversation.message.delta',
      message: msg('answer', content, { id }),
    })
    const completed = (id: string, content: string, contentType = 'text'): CozeEvent => ({
      kind: 'message',
      name: 'conversation.message.completed',
      message: msg('answer', content, { id, content_type: contentType }),
    })

    it('should start a part for each answer after the first and join their texts with a blank line', () => {
      const card = { title: '订单', elements: [1] }
      const { s, out } = run([
        completed('card1', JSON.stringify(card), 'card'),
        delta('a', '第一'),
        delta('a', '段'),
        completed('a', '第一段'),
        delta('b', '第二段'),
        completed('b', '第二段'),
      ])
      expect(out).toEqual([
        { event: 'part', data: { index: 0, kind: 'card', data: card } },
        { event: 'part', data: { index: 1, kind: 'text' } },
        { event: 'delta', data: { text: '第一' } },
        { event: 'delta', data: { text: '段' } },
        { event: 'part', data: { index: 2, kind: 'text' } },
        { event: 'delta', data: { text: '第二段' } },
      ])
      expect(s.answer).toBe('第一段\n\n第二段')
      expect(s.parts).toEqual([
        { kind: 'card', data: card },
        { kind: 'text', text: '第一段' },
        { kind: 'text', text: '第二段' },
      ])
    })

    it('should never put card JSON in the answer text, even when it does not parse', () => {
      const { s, out } = run([completed('c', '{not json', 'card'), delta('a', '好')])
      expect(s.answer).toBe('好')
      expect(out[0]).toEqual({ event: 'part', data: { index: 0, kind: 'card', data: { text: '{not json' } } })
    })

    it('should relay a text answer that came without deltas once', () => {
      const { s, out } = run([delta('a', '一'), completed('b', '二'), completed('b', '二')])
      expect(out).toEqual([
        { event: 'delta', data: { text: '一' } },
        { event: 'part', data: { index: 1, kind: 'text' } },
        { event: 'delta', data: { text: '二' } },
      ])
      expect(s.answer).toBe('一\n\n二')
    })

    it('should split object_string into text and http(s) images and files, dropping the rest', () => {
      const content = JSON.stringify([
        { type: 'text', text: '看图' },
        { type: 'image', file_url: 'https://cdn.example/a.png', name: 'a.png' },
        { type: 'image', file_url: 'javascript:alert(1)' },
        { type: 'file', file_url: 'http://cdn.example/b.pdf', name: 'b.pdf' },
        { type: 'audio', file_url: 'https://cdn.example/c.mp3' },
      ])
      const { s, out } = run([completed('o', content, 'object_string')])
      expect(out).toEqual([
        { event: 'delta', data: { text: '看图' } },
        {
          event: 'part',
          data: { index: 1, kind: 'image', data: { url: 'https://cdn.example/a.png', name: 'a.png' } },
        },
        {
          event: 'part',
          data: { index: 2, kind: 'file', data: { url: 'http://cdn.example/b.pdf', name: 'b.pdf' } },
        },
      ])
      expect(s.answer).toBe('看图')
    })
  })

  describe('requires_action (coze-protocol §9 row 3)', () => {
    const requires = (type: string, extra: Partial<CozeChat> = {}): CozeEvent => ({
      kind: 'chat',
      name: 'conversation.chat.requires_action',
      chat: chat('requires_action', {
        required_action: {
          type: 'submit_tool_outputs',
          submit_tool_outputs: {
            tool_calls: [{ id: 'call1', type, function: { name: 'my_orders', arguments: '{}' } }],
          },
        },
        usage: { token_count: 5, input_count: 2, output_count: 3 },
        ...extra,
      }),
    })

    it('should end a question node with action reply and done requires_action', () => {
      const { s, out } = run([
        { kind: 'message', name: 'conversation.message.delta', message: msg('answer', '您要查哪个订单？') },
        requires('reply_message'),
        { kind: 'done' },
      ])
      expect(out).toEqual([
        { event: 'delta', data: { text: '您要查哪个订单？' } },
        { event: 'action', data: { kind: 'reply', toolCallId: 'call1' } },
        { event: 'done', data: { status: 'requires_action', usage: { inputTokens: 2, outputTokens: 3 } } },
      ])
      expect(s.outcome?.status).toBe('requires_action')
    })

    it('should keep function calls for the relay and not end the answer when the stream ends', () => {
      const { s, out } = run([requires('function'), { kind: 'done' }])
      expect(out).toEqual([
        { event: 'action', data: { kind: 'tool', toolCallId: 'call1', name: 'my_orders' } },
      ])
      expect(s.outcome).toBeNull()
      expect(s.toolCalls.map((c) => c.id)).toEqual(['call1'])
    })
  })

  describe("Coze's codes (SPEC §2.7)", () => {
    it.each([
      [4008, 'UPSTREAM_BUSY', 3600],
      [4009, 'UPSTREAM_BUSY', 10],
      [4013, 'UPSTREAM_BUSY', 10],
      [4020, 'UPSTREAM_BUSY', 60],
      [4010, 'CONTEXT_TOO_LONG', undefined],
      [4011, 'UPSTREAM_ACCOUNT', undefined],
      [4019, 'UPSTREAM_ACCOUNT', undefined],
      [4027, 'UPSTREAM_ACCOUNT', undefined],
      [4028, 'UPSTREAM_ACCOUNT', undefined],
      [788788103, 'UPSTREAM_ACCOUNT', undefined],
      [4012, 'UPSTREAM_MISCONFIGURED', undefined],
      [4015, 'UPSTREAM_MISCONFIGURED', undefined],
      [5000, 'UPSTREAM_ERROR', undefined],
    ])('should map last_error %i to %s without Coze text on the wire', (code, wire, retryAfter) => {
      const cozeText = 'You have run out of credits, logid 2025'
      const { s, out } = run([
        {
          kind: 'chat',
          name: 'conversation.chat.failed',
          chat: chat('failed', { last_error: { code, msg: cozeText } }),
        },
      ])
      expect(out).toHaveLength(1)
      expect(out[0]).toMatchObject({ event: 'error', data: { code: wire } })
      expect((out[0]!.data as { retryAfter?: number }).retryAfter).toBe(retryAfter)
      expect(JSON.stringify(out)).not.toContain(cozeText)
      expect(s.outcome).toMatchObject({ status: 'failed', code: wire, coze: { code, msg: cozeText } })
    })
  })
})

describe('deliveredText', () => {
  it('should count UTF-16 units per message, and Infinity for a message relayed whole', () => {
    const { s } = run([
      { kind: 'message', name: 'conversation.message.delta', message: msg('answer', '你好', { id: 'm1' }) },
      { kind: 'message', name: 'conversation.message.delta', message: msg('answer', '😀', { id: 'm1' }) },
      {
        kind: 'message',
        name: 'conversation.message.completed',
        message: msg('answer', '{"title":"卡片"}', { id: 'card', content_type: 'card' }),
      },
    ])
    expect([deliveredText(s, 'm1'), deliveredText(s, 'card'), deliveredText(s, 'unknown')]).toEqual([
      4,
      Infinity,
      0,
    ])
  })
})
