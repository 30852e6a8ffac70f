import { describe, expect, it } from 'vitest'
import type { StreamEvent } from '../core/wire'
import { eventsAfter, parseLastEventId, positioned, sliceAfter, weightOf } from './event-id'

const meta: StreamEvent = { event: 'meta', data: { messageId: 'm1', conversationId: 'c1' } }
const delta = (text: string): StreamEvent => ({ event: 'delta', data: { text } })
const reasoning = (text: string): StreamEvent => ({ event: 'reasoning', data: { text } })
const card: StreamEvent = { event: 'part', data: { index: 0, kind: 'card', data: { title: 't' } } }
const done: StreamEvent = {
  event: 'done',
  data: { status: 'completed', usage: { inputTokens: 1, outputTokens: 2 } },
}

/** What a client shows: reasoning, text and the other events, as one string per kind. */
const shown = (events: StreamEvent[]) => ({
  reasoning: events.map((e) => (e.event === 'reasoning' ? e.data.text : '')).join(''),
  text: events.map((e) => (e.event === 'delta' ? e.data.text : '')).join(''),
  others: events.filter((e) => !['delta', 'reasoning'].includes(e.event)).map((e) => e.event),
})

describe('parseLastEventId', () => {
  it.each([
    [undefined, -1],
    ['', -1],
    ['m1:0', 0],
    ['m1:41', 41],
    ['m2:41', undefined],
    ['m1:', undefined],
    ['m1:-1', undefined],
    ['m1:1e3', undefined],
    [':4', undefined],
    ['m1:9999999999', undefined],
  ])('should parse %s as %s', (raw, seq) => {
    expect(parseLastEventId(raw, 'm1')).toBe(seq)
  })
})

describe('weightOf', () => {
  it('should count UTF-16 units of texts, 0 for meta and 1 for any other event', () => {
    expect(weightOf(meta)).toBe(0)
    expect(weightOf(delta('您好！'))).toBe(3)
    expect(weightOf(delta('😀'))).toBe(2)
    expect(weightOf(reasoning('think'))).toBe(5)
    expect(weightOf(card)).toBe(1)
    expect(weightOf(done)).toBe(1)
  })
})

describe('positioned', () => {
  it('should give meta 0 and each later event the position after it, strictly increasing', () => {
    const out = positioned([meta, reasoning('ab'), delta('您好'), delta(''), card, delta('!'), done])
    expect(out.map((e) => [e.event, e.seq])).toEqual([
      ['meta', 0],
      ['reasoning', 2],
      ['delta', 4],
      ['part', 5],
      ['delta', 6],
      ['done', 7],
    ])
  })
})

describe('sliceAfter', () => {
  const e = { event: 'delta', data: { text: 'abcd' }, seq: 10 } as const
  it('should keep only the end of a text that straddles the position', () => {
    expect(sliceAfter(e, 8)).toEqual({ event: 'delta', data: { text: 'cd' }, seq: 10 })
  })
  it('should keep an event wholly after the position and drop one at or before it', () => {
    expect(sliceAfter(e, 6)).toBe(e)
    expect(sliceAfter(e, 10)).toBeUndefined()
    expect(sliceAfter({ ...done, seq: 11 }, 10)).toEqual({ ...done, seq: 11 })
  })
})

describe('eventsAfter', () => {
  // The same answer as a live stream cut in small pieces and as Coze's whole messages after the fact.
  const live = positioned([
    meta,
    reasoning('想'),
    reasoning('一想'),
    card,
    delta('您好！'),
    delta('这是'),
    delta('回答。'),
    { event: 'part', data: { index: 2, kind: 'text' } },
    delta('第二段'),
    { event: 'suggestions', data: { items: ['再问'] } },
    done,
  ])
  const whole = positioned([
    meta,
    reasoning('想一想'),
    card,
    delta('您好！这是回答。'),
    { event: 'part', data: { index: 2, kind: 'text' } },
    delta('第二段'),
    { event: 'suggestions', data: { items: ['再问'] } },
    done,
  ])

  it('should end both ways at the same position', () => {
    expect(live.at(-1)!.seq).toBe(whole.at(-1)!.seq)
  })

  it.each(live.map((e) => [e.event, e.seq] as const))(
    'should continue the whole answer exactly after a client that saw up to %s (%i)',
    (_event, at) => {
      const seen = live.filter((e) => e.seq <= at)
      const rest = eventsAfter(whole, at)
      expect(rest.every((e) => e.seq > at)).toBe(true)
      expect(shown([...seen, ...rest])).toEqual(shown(live))
    },
  )

  it('should continue at a position the log never reached (the client saw more than was logged)', () => {
    const logged = live.slice(0, 5) // up to '您好！'
    const client = live[5]!.seq // it also saw '这是'
    const appended = eventsAfter(whole, logged.at(-1)!.seq)
    const resumed = eventsAfter([...logged, ...appended], client)
    expect(shown([...live.filter((e) => e.seq <= client), ...resumed])).toEqual(shown(live))
  })
})
