// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { historyId, type ChatEvent, type HistoryItem } from './chat'
import { askedWith, delta, meta, run, wire } from './chat.fixtures'

const item = (n: number, conversationId = 'c1'): HistoryItem => ({
  messageId: `m${n}`,
  conversationId,
  question: `q${n}`,
  answer: `a${n}`,
  status: 'completed',
  askedAt: `2026-12-06T10:0${n}:00.000Z`,
})
const page = (conversationId: string, items: HistoryItem[]): ChatEvent => ({
  type: 'history',
  conversationId,
  items,
  nextBefore: null,
})
const done = wire(2, { event: 'done', data: { status: 'completed' } })

describe('timestamps', () => {
  it('should keep the time a live question was asked, through a resend', () => {
    const asked: ChatEvent = {
      type: 'asked',
      localId: 'l1',
      question: '你好',
      clientMessageId: 'u1',
      at: 1_000,
    }
    const s = run([asked, meta, delta(1, 'x')])
    expect(s.messages[0]!.askedAt).toBe(1_000)
    const resent = run([{ type: 'resent', localId: 'l1', clientMessageId: 'u2' }], s)
    expect(resent.messages[0]!.askedAt).toBe(1_000)
  })

  it("should take history's askedAt, and none when it is unreadable", () => {
    const s = run([page('c1', [{ ...item(2), askedAt: 'garbage' }, item(1)])])
    expect(s.messages.map((m) => m.askedAt)).toEqual([Date.UTC(2026, 11, 6, 10, 1), null])
  })
})

describe('selected (another conversation)', () => {
  it("should empty the panel and take only the chosen conversation's pages", () => {
    const s = run([askedWith('在 c1 里'), meta, done, { type: 'selected', conversationId: 'c2' }])
    expect(s).toMatchObject({ conversationId: 'c2', messages: [], following: null })
    const late = run([page('c1', [item(1)])], s) // the page of the conversation left behind
    expect(late.messages).toEqual([])
    const chosen = run([page('c2', [item(4, 'c2'), item(3, 'c2')])], s)
    expect(chosen.messages.map((m) => m.localId)).toEqual([historyId('m3'), historyId('m4')])
  })
})

describe('cleared (new topic)', () => {
  it('should mark the next question as the start of a new topic, once', () => {
    let s = run([askedWith('旧话题'), meta, done, { type: 'cleared', conversationId: 'c1' }])
    expect(s.topicCleared).toBe(true)
    s = run([{ type: 'asked', localId: 'l2', question: '新话题', clientMessageId: 'u2' }], s)
    expect(s.topicCleared).toBe(false)
    s = run([{ type: 'asked', localId: 'l3', question: '再问', clientMessageId: 'u3' }], s)
    expect(s.messages.map((m) => m.newTopic)).toEqual([false, true, false])
  })

  it('should keep the topic boundary history names (a divider below the answer it follows)', () => {
    const s = run([page('c1', [item(3), { ...item(2), newTopicAt: '2026-12-06T10:02:30.000Z' }, item(1)])])
    expect(s.messages.map((m) => m.newTopicAfter)).toEqual([false, true, false])
  })

  it('should ignore a clear of a conversation no longer shown', () => {
    const s = run([askedWith('a'), meta, done, { type: 'selected', conversationId: 'c2' }])
    expect(run([{ type: 'cleared', conversationId: 'c1' }], s).topicCleared).toBe(false)
  })
})
