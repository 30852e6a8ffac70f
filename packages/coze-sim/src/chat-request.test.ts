import { describe, expect, it } from 'vitest'
import { parseChatRequest, questionOf } from './chat-request'
import { ApiError } from './reply'

const base = { bot_id: '7379462189365198898', user_id: 'u1' }

describe('parseChatRequest', () => {
  it('should default stream to false and messages/meta_data to empty', () => {
    expect(parseChatRequest(base)).toEqual({ ...base, stream: false, additional_messages: [], meta_data: {} })
  })

  it('should answer 4004 for more than 100 additional messages', () => {
    const additional_messages = Array.from({ length: 101 }, () => ({ role: 'user', content: 'x' }))
    expect(() => parseChatRequest({ ...base, additional_messages })).toThrow(
      expect.objectContaining({ code: 4004 }) as unknown as Error,
    )
  })

  it.each([
    ['a non-object body', []],
    ['a numeric bot_id', { ...base, bot_id: 1 }],
    ['an empty user_id', { ...base, user_id: '' }],
    ['a string stream', { ...base, stream: 'true' }],
    ['a numeric meta_data value', { ...base, meta_data: { a: 1 } }],
    [
      'a card content_type',
      { ...base, additional_messages: [{ role: 'user', content: 'x', content_type: 'card' }] },
    ],
  ])('should answer 4000 for %s', (_name, body) => {
    expect(() => parseChatRequest(body)).toThrow(ApiError)
  })
})

describe('parseChatRequest with uploaded files', () => {
  const files = new Set(['7000000000000000001'])
  const ask = (items: unknown) => ({
    ...base,
    additional_messages: [{ role: 'user', content: JSON.stringify(items), content_type: 'object_string' }],
  })

  it('should take image, file and audio items naming an uploaded file_id or a file_url', () => {
    const items = [
      { type: 'text', text: '看看' },
      { type: 'image', file_id: '7000000000000000001' },
      { type: 'file', file_url: 'https://example.com/a.pdf' },
      { type: 'audio', file_id: '7000000000000000001' },
    ]
    expect(parseChatRequest(ask(items), files).additional_messages).toHaveLength(1)
  })

  it.each([
    ['an unknown file_id', [{ type: 'image', file_id: '7000000000000000002' }]],
    ['an item with neither file_id nor file_url', [{ type: 'file' }]],
    ['an unknown item type', [{ type: 'video', file_id: '7000000000000000001' }]],
    ['a text item without text', [{ type: 'text' }]],
    ['no items', []],
    ['not an array', { type: 'text', text: 'x' }],
  ])('should answer 4000 for %s', (_name, items) => {
    expect(() => parseChatRequest(ask(items), files)).toThrow(
      expect.objectContaining({ code: 4000 }) as unknown as Error,
    )
  })
})

describe('questionOf', () => {
  it('should take the last user message, skipping assistant ones', () => {
    expect(
      questionOf([
        { role: 'user', content: '第一问', content_type: 'text' },
        { role: 'user', content: '第二问', content_type: 'text' },
        { role: 'assistant', content: '回答', content_type: 'text' },
      ]),
    ).toBe('第二问')
    expect(questionOf([])).toBe('')
  })

  it('should join the text items of object_string content', () => {
    const content = JSON.stringify([
      { type: 'text', text: '一' },
      { type: 'file', file_id: 'f' },
      { type: 'text', text: '二' },
    ])
    expect(questionOf([{ role: 'user', content, content_type: 'object_string' }])).toBe('一\n二')
    expect(() => questionOf([{ role: 'user', content: '{', content_type: 'object_string' }])).toThrow(
      ApiError,
    )
  })
})
