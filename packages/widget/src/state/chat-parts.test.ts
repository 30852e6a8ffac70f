// @vitest-environment node
// Issue 18: several answer messages per chat (`part`), the bot's question (`action` `reply`), tools.
import { describe, expect, it } from 'vitest'
import { applyEvent, initialState, parseWireEvent, pendingReply, type ChatState } from './chat'
import { askedWith, delta, meta, run, wire } from './chat.fixtures'

const asked = askedWith('查订单')
const part = (seq: number, index: number, kind: 'text' | 'card' | 'image' | 'file', data?: unknown) =>
  wire(seq, { event: 'part', data: { index, kind, data } })
const done = (seq: number, status = 'completed') => wire(seq, { event: 'done', data: { status } })
const action = (seq: number, kind: 'reply' | 'tool', name?: string) =>
  wire(seq, { event: 'action', data: { kind, toolCallId: 'tc1', ...(name ? { name } : {}) } })
const last = (s: ChatState) => s.messages.at(-1)!

const CARD = { title: '订单 1024', description: '已发货' }

describe('parseWireEvent: part and action', () => {
  it('should type part events, keeping the data of non-text parts', () => {
    expect(
      parseWireEvent({ id: '', event: 'part', data: JSON.stringify({ index: 0, kind: 'card', data: CARD }) }),
    ).toEqual({ event: 'part', data: { index: 0, kind: 'card', data: CARD } })
    expect(parseWireEvent({ id: '', event: 'part', data: '{"index":2,"kind":"text"}' })).toEqual({
      event: 'part',
      data: { index: 2, kind: 'text', data: undefined },
    })
    expect(parseWireEvent({ id: '', event: 'part', data: '{"index":1,"kind":"video"}' })).toBeUndefined()
  })

  it('should type action events and drop those without a toolCallId', () => {
    expect(
      parseWireEvent({
        id: '',
        event: 'action',
        data: '{"kind":"tool","toolCallId":"t","name":"orders","arguments":"{}"}',
      }),
    ).toEqual({ event: 'action', data: { kind: 'tool', toolCallId: 't', name: 'orders' } })
    expect(parseWireEvent({ id: '', event: 'action', data: '{"kind":"reply"}' })).toBeUndefined()
    expect(
      parseWireEvent({ id: '', event: 'action', data: '{"kind":"other","toolCallId":"t"}' }),
    ).toBeUndefined()
  })

  it('should keep retryAfter of an error event', () => {
    expect(
      parseWireEvent({
        id: '',
        event: 'error',
        data: '{"code":"UPSTREAM_BUSY","message":"x","retryAfter":7}',
      }),
    ).toEqual({ event: 'error', data: { code: 'UPSTREAM_BUSY', message: 'x', retryAfter: 7 } })
  })
})

describe('applyEvent: parts', () => {
  it('should keep a single text answer as one text part', () => {
    const s = run([asked, meta, delta(1, '你'), delta(2, '好'), done(3)])
    expect(last(s)).toMatchObject({
      answer: '你好',
      parts: [{ kind: 'text', text: '你好' }],
      status: 'completed',
    })
  })

  it('should order a card, then two text answers, and join only the texts', () => {
    const s = run([
      asked,
      meta,
      part(1, 0, 'card', CARD),
      part(2, 1, 'text'),
      delta(3, '第一段'),
      delta(4, '答案'),
      part(5, 2, 'text'),
      delta(6, '第二段'),
      done(7),
    ])
    expect(last(s).parts).toEqual([
      { kind: 'card', data: CARD },
      { kind: 'text', text: '第一段答案' },
      { kind: 'text', text: '第二段' },
    ])
    expect(last(s).answer).toBe('第一段答案\n\n第二段') // as archived; never the card's JSON
    expect(last(s).status).toBe('completed')
  })

  it('should start a new text part when a delta follows a card without a part event', () => {
    const s = run([
      asked,
      meta,
      delta(1, 'a'),
      part(2, 1, 'image', { url: 'https://x.example/i.png' }),
      delta(3, 'b'),
    ])
    expect(last(s).parts.map((p) => p.kind)).toEqual(['text', 'image', 'text'])
    expect(last(s).answer).toBe('a\n\nb')
  })

  it('should drop a replayed part after a resume', () => {
    const s = run([asked, meta, part(1, 0, 'card', CARD), part(1, 0, 'card', CARD), delta(2, 'x')])
    expect(last(s).parts).toHaveLength(2)
  })

  it('should restart the parts on a new meta and on attach', () => {
    const s = run([
      asked,
      meta,
      part(1, 0, 'card', CARD),
      wire(2, { event: 'meta', data: { messageId: 'm1', conversationId: 'c1' } }),
    ])
    expect(last(s).parts).toEqual([])
  })

  it('should take parts from history, and the answer alone when they are absent', () => {
    const s = applyEvent(initialState(), {
      type: 'history',
      conversationId: 'c1',
      nextBefore: null,
      items: [
        {
          messageId: 'h2',
          conversationId: 'c1',
          question: 'q2',
          answer: 't1\n\nt2',
          status: 'completed',
          askedAt: '2026-01-01T00:00:01Z',
          parts: [
            { kind: 'card', data: CARD },
            { kind: 'text', text: 't1' },
            { kind: 'bogus' },
            { kind: 'text', text: 't2' },
          ],
        },
        {
          messageId: 'h1',
          conversationId: 'c1',
          question: 'q1',
          answer: 'plain',
          status: 'completed',
          askedAt: '2026-01-01T00:00:00Z',
        },
      ],
    })
    expect(s.messages.map((m) => m.parts)).toEqual([
      [{ kind: 'text', text: 'plain' }],
      [
        { kind: 'card', data: CARD },
        { kind: 'text', text: 't1' },
        { kind: 'text', text: 't2' },
      ],
    ])
  })
})

describe('applyEvent: actions', () => {
  it('should wait for the reply after a question node', () => {
    const s = run([
      asked,
      meta,
      delta(1, '请问您的订单号是？'),
      action(2, 'reply'),
      done(3, 'requires_action'),
    ])
    expect(last(s)).toMatchObject({ status: 'requires_action', action: { kind: 'reply', toolCallId: 'tc1' } })
    expect(pendingReply(s)).toEqual({ messageId: 'm1', toolCallId: 'tc1' })
  })

  it('should route the next question as a reply and clear the pending one', () => {
    const s0 = run([asked, meta, delta(1, '订单号？'), action(2, 'reply'), done(3, 'requires_action')])
    const s = applyEvent(s0, {
      type: 'asked',
      localId: 'l2',
      question: '1024',
      clientMessageId: 'u2',
      replyTo: pendingReply(s0),
    })
    expect(last(s)).toMatchObject({ question: '1024', replyTo: { messageId: 'm1', toolCallId: 'tc1' } })
    expect(pendingReply(s)).toBeUndefined()
    // Refused before reaching the service: the next input still answers the question.
    const failed = applyEvent(s, { type: 'failed', localId: 'l2', code: 'NETWORK_ERROR', message: 'x' })
    expect(pendingReply(failed)).toEqual({ messageId: 'm1', toolCallId: 'tc1' })
  })

  it('should show a tool action until the answer goes on', () => {
    const s1 = run([asked, meta, action(1, 'tool', 'orders')])
    expect(last(s1).action).toEqual({ kind: 'tool', toolCallId: 'tc1', name: 'orders' })
    const s2 = run([delta(2, '您的订单已发货'), done(3)], s1)
    expect(last(s2)).toMatchObject({ action: null, status: 'completed' })
    expect(pendingReply(s2)).toBeUndefined()
  })

  it('should not count a completed answer as a question', () => {
    expect(pendingReply(run([asked, meta, action(1, 'reply'), done(2)]))).toBeUndefined()
  })
})
