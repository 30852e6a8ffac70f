// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { applyEvent, initialState, isBusy, parseWireEvent, type ChatEvent } from './chat'
import { askedWith, delta, meta, run, wire } from './chat.fixtures'

const asked = askedWith('你好')

describe('parseWireEvent', () => {
  it('should type the SPEC §2.2 events', () => {
    expect(
      parseWireEvent({ id: 'm:0', event: 'meta', data: '{"messageId":"m","conversationId":"c"}' }),
    ).toEqual({
      event: 'meta',
      data: { messageId: 'm', conversationId: 'c' },
    })
    expect(parseWireEvent({ id: '', event: 'suggestions', data: '{"items":["a",1,"b"]}' })).toEqual({
      event: 'suggestions',
      data: { items: ['a', 'b'] },
    })
    expect(
      parseWireEvent({ id: '', event: 'error', data: '{"code":"CANCELLED","message":"stopped"}' }),
    ).toEqual({
      event: 'error',
      data: { code: 'CANCELLED', message: 'stopped' },
    })
  })

  it('should drop unknown events and malformed data', () => {
    expect(parseWireEvent({ id: '', event: 'message', data: '{}' })).toBeUndefined()
    expect(parseWireEvent({ id: '', event: 'delta', data: 'not json' })).toBeUndefined()
    expect(parseWireEvent({ id: '', event: 'delta', data: '{"text":1}' })).toBeUndefined()
    expect(parseWireEvent({ id: '', event: 'meta', data: 'null' })).toBeUndefined()
  })
})

describe('applyEvent', () => {
  it('should add a pending message when asked', () => {
    const s = run([asked])
    expect(s.messages).toMatchObject([
      { localId: 'l1', question: '你好', status: 'pending', clientMessageId: 'u1' },
    ])
  })

  it('should build the answer progressively and finish on done', () => {
    const s1 = run([asked, meta, delta(1, '你')])
    expect(s1.conversationId).toBe('c1')
    expect(s1.messages[0]).toMatchObject({ messageId: 'm1', answer: '你', status: 'streaming', lastSeq: 1 })
    const s2 = run([delta(2, '好'), wire(3, { event: 'done', data: { status: 'completed' } })], s1)
    expect(s2.messages[0]).toMatchObject({ answer: '你好', status: 'completed', lastEventId: 'm1:3' })
  })

  it('should collect reasoning and suggestions apart from the answer', () => {
    const s = run([
      asked,
      meta,
      wire(1, { event: 'reasoning', data: { text: 'think' } }),
      wire(2, { event: 'suggestions', data: { items: ['next?'] } }),
    ])
    expect(s.messages[0]).toMatchObject({ answer: '', reasoning: 'think', suggestions: ['next?'] })
  })

  it('should start the answer over on a later meta (recovery, archive replay)', () => {
    const restart = wire(100_005, { event: 'meta', data: { messageId: 'm1', conversationId: 'c1' } })
    const s = run([
      asked,
      meta,
      delta(1, '半'),
      restart,
      wire(100_006, { event: 'delta', data: { text: '完整回答' } }),
    ])
    expect(s.messages[0]!.answer).toBe('完整回答')
  })

  it('should ignore events replayed after a resume (seq not above the last)', () => {
    const s = run([asked, meta, delta(1, 'a'), delta(2, 'b'), delta(1, 'a'), delta(2, 'b'), delta(3, 'c')])
    expect(s.messages[0]!.answer).toBe('abc')
  })

  it('should return the same state object for a replayed event', () => {
    const s = run([asked, meta, delta(1, 'a')])
    expect(applyEvent(s, delta(1, 'a'))).toBe(s)
  })

  it('should mark an error event failed, and CANCELLED cancelled', () => {
    const failed = run([
      asked,
      meta,
      wire(1, { event: 'error', data: { code: 'UPSTREAM_ERROR', message: 'x' } }),
    ])
    expect(failed.messages[0]).toMatchObject({
      status: 'failed',
      error: { code: 'UPSTREAM_ERROR', message: 'x', fromStream: true },
    })
    const cancelled = run([
      asked,
      meta,
      wire(1, { event: 'error', data: { code: 'CANCELLED', message: '' } }),
    ])
    expect(cancelled.messages[0]!.status).toBe('cancelled')
  })

  it('should record a transport failure as not from the stream', () => {
    const s = run([asked, { type: 'failed', localId: 'l1', code: 'NETWORK_ERROR', message: 'down' }])
    expect(s.messages[0]).toMatchObject({
      status: 'failed',
      error: { code: 'NETWORK_ERROR', fromStream: false },
    })
  })

  it('should clear the answer and take the new clientMessageId when resent', () => {
    const s = run([
      asked,
      meta,
      delta(1, 'partial'),
      { type: 'failed', localId: 'l1', code: 'STREAM_DROPPED', message: '' },
      { type: 'resent', localId: 'l1', clientMessageId: 'u1' },
    ])
    expect(s.messages[0]).toMatchObject({
      answer: '',
      status: 'pending',
      error: null,
      lastSeq: -1,
      clientMessageId: 'u1',
    })
    expect(s.messages[0]!.question).toBe('你好')
  })

  it('should ignore events for an unknown message', () => {
    const s = run([asked])
    const other: ChatEvent = {
      type: 'stream',
      localId: 'other',
      id: 'm1:1',
      wire: { event: 'delta', data: { text: 'x' } },
    }
    expect(applyEvent(s, other)).toBe(s)
  })

  it('should prepend history pages oldest first and keep the cursor', () => {
    const item = (n: number) => ({
      messageId: `h${n}`,
      conversationId: 'c1',
      question: `q${n}`,
      answer: `a${n}`,
      status: 'completed',
      askedAt: `2025-01-0${n}T00:00:00Z`,
    })
    const s1 = run([{ type: 'history', conversationId: 'c1', items: [item(4), item(3)], nextBefore: 'cur1' }])
    expect(s1.messages.map((m) => m.messageId)).toEqual(['h3', 'h4'])
    expect(s1.olderCursor).toBe('cur1')
    const s2 = applyEvent(s1, {
      type: 'history',
      conversationId: 'c1',
      items: [item(2), item(1)],
      nextBefore: null,
      older: true,
    })
    expect(s2.messages.map((m) => m.question)).toEqual(['q1', 'q2', 'q3', 'q4'])
    expect(s2.olderCursor).toBeNull()
  })

  it("should keep an archived answer's reasoning and follow-up chips after a reload (issue 21)", () => {
    const base = { conversationId: 'c1', question: 'q', answer: 'a', status: 'completed', askedAt: '' }
    const items = [
      { ...base, messageId: 'm2', reasoning: '先想一想', suggestions: ['再说说', 3 as unknown as string] },
      { ...base, messageId: 'm1' }, // an older service, or an answer without either
    ]
    const s = run([{ type: 'history', conversationId: 'c1', items, nextBefore: null }])
    expect(s.messages.map((m) => [m.messageId, m.reasoning, m.suggestions])).toEqual([
      ['m1', '', []],
      ['m2', '先想一想', ['再说说']],
    ])
  })

  it('should map history statuses and skip messages already shown', () => {
    const items = [
      {
        messageId: 'm1',
        conversationId: 'c1',
        question: 'q',
        answer: '',
        status: 'in_progress',
        askedAt: '',
      },
      {
        messageId: 'm0',
        conversationId: 'c1',
        question: 'q',
        answer: 'a',
        status: 'interrupted',
        askedAt: '',
        errorCode: 'UPSTREAM_INTERRUPTED',
      },
    ]
    const s = run([asked, meta, { type: 'history', conversationId: 'c1', items, nextBefore: null }])
    expect(s.messages.map((m) => [m.messageId, m.status, m.error?.code])).toEqual([
      ['m0', 'interrupted', 'UPSTREAM_INTERRUPTED'],
      ['m1', 'pending', undefined],
    ])
  })

  describe('a history page after another tab asked', () => {
    const item = (id: string, status = 'completed') => ({
      messageId: id,
      conversationId: 'c1',
      question: `q-${id}`,
      answer: `a-${id}`,
      status,
      askedAt: '',
    })
    const page = (...items: ReturnType<typeof item>[]) => ({
      type: 'history' as const,
      conversationId: 'c1',
      items,
      nextBefore: 'cur',
    })
    // This tab: two answers from history, then a question the service refused (409: the other tab's runs).
    const shown = run([
      page(item('h2'), item('h1')),
      askedWith('mine'),
      { type: 'failed', localId: 'l1', code: 'CONVERSATION_BUSY', message: 'busy' },
    ])

    it('should put the newer answers after the ones shown and before the refused question, once', () => {
      const s = run([page(item('t1', 'in_progress'), item('h2'), item('h1'))], shown)
      expect(s.messages.map((m) => [m.question, m.status])).toEqual([
        ['q-h1', 'completed'],
        ['q-h2', 'completed'],
        ['q-t1', 'pending'],
        ['mine', 'failed'],
      ])
      expect(run([page(item('t1', 'in_progress'), item('h2'))], s).messages).toEqual(s.messages)
    })

    it('should place a page with no anchor before the questions the service never confirmed', () => {
      const s = run([page(item('t2'), item('t1'))], shown)
      expect(s.messages.map((m) => m.messageId)).toEqual(['h1', 'h2', 't1', 't2', null])
    })

    it('should not let an answer nobody follows hold Send', () => {
      const s = run([page(item('t1', 'in_progress'), item('h2'), item('h1'))], shown)
      expect(isBusy(s)).toBe(false)
      const attached = run([{ type: 'attached', localId: 'h:t1' }], s)
      expect(isBusy(attached)).toBe(true)
      expect(isBusy(run([{ type: 'released', localId: 'h:t1' }], attached))).toBe(false)
    })

    it('should show an older in_progress row as interrupted: only the newest answer can run', () => {
      const s = run([page(item('t2', 'in_progress'), item('t1', 'in_progress'))])
      expect(s.messages.map((m) => m.status)).toEqual(['interrupted', 'pending'])
      const older = run([{ ...page(item('t0', 'in_progress')), older: true }], s)
      expect(older.messages[0]!.status).toBe('interrupted')
    })
  })

  it('should be busy while its own question is followed and not after it ends', () => {
    const s = run([asked, meta])
    expect(isBusy(s)).toBe(true)
    expect(isBusy(run([wire(1, { event: 'done', data: { status: 'completed' } })], s))).toBe(false)
    expect(
      isBusy(run([{ type: 'failed', localId: 'l1', code: 'NETWORK_ERROR', message: 'offline' }], s)),
    ).toBe(false)
  })

  it('should drop a history page of another conversation than the one in use', () => {
    const s = run([asked, meta])
    expect(applyEvent(s, { type: 'history', conversationId: 'old', items: [], nextBefore: 'x' })).toBe(s)
  })

  it('should clear an attached message so the replay rebuilds it', () => {
    const s = run([
      {
        type: 'history',
        conversationId: 'c1',
        items: [
          {
            messageId: 'm1',
            conversationId: 'c1',
            question: 'q',
            answer: 'part',
            status: 'in_progress',
            askedAt: '',
          },
        ],
        nextBefore: null,
      },
      { type: 'attached', localId: 'h:m1' },
    ])
    expect(s.messages[0]).toMatchObject({ answer: '', status: 'pending', lastSeq: -1 })
  })

  it('should start over on reset', () => {
    expect(run([asked, meta, { type: 'reset' }])).toEqual(initialState())
  })
})
