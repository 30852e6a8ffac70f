import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCozeSim } from '@volcano-chat/coze-sim'
import { createMemoryKv } from '../backends/memory/kv'
import { createCozeAuth } from '../core/coze/auth'
import { createCozeClient, CozeApiError } from '../core/coze/client'
import type { CozeEvent } from '../core/coze/events'
import { eventsAfterBreak, openWithBusyWait } from './after-break'
import type { StreamEvent } from '../core/wire'
import { eventsAfter, positioned } from './event-id'
import { deliveredText, newAnswerState, normalise } from './normalise'

const BOT = 'bot_after_break_test'
let sim: Awaited<ReturnType<typeof startCozeSim>>
let coze: ReturnType<typeof createCozeClient>

beforeAll(async () => {
  sim = await startCozeSim({ pats: ['pat_after_break'], firstTokenDelayMs: 0, tokensPerSecond: 0 })
  const auth = createCozeAuth({
    apiBase: sim.url,
    tokenTtlSeconds: 900,
    botId: BOT,
    pat: 'pat_after_break',
    kv: createMemoryKv(),
    log: pino({ level: 'silent' }),
  })
  // A short idle limit: `stall-after` breaks the read quickly.
  coze = createCozeClient({ apiBase: sim.url, botId: BOT, auth, idleTimeoutMs: 400 })
})
afterAll(async () => {
  await coze.close()
  await sim.close()
})

const soon = (ms = 15_000) => ({ deadline: Date.now() + ms, pollMs: 20 })

/**
 * Starts a chat and reads it until the stream breaks, tracking what was relayed per message the way the
 * relay does: every event through `normalise`, `deliveredText` of its state.
 */
async function readUntilBreak(question: string, conversationId?: string) {
  conversationId ??= (await coze.createConversation()).id
  const stream = await coze.streamChat({ conversationId, userId: 'u1', question })
  const state = newAnswerState()
  const delivered = { of: (id: string) => deliveredText(state, id) }
  let chatId = ''
  let text = ''
  const broke = await stream
    .read((e) => {
      if (e.kind === 'chat') chatId = e.chat.id
      if (e.kind === 'message' && e.name === 'conversation.message.delta' && e.message.type === 'answer') {
        text += e.message.content
      }
      normalise(state, e)
    })
    .then(
      () => undefined,
      (err: unknown) => err,
    )
  stream.abort()
  return { conversationId, chatId, delivered, text, broke }
}

const deltasOf = (events: CozeEvent[]) =>
  events
    .filter((e) => e.kind === 'message' && e.name === 'conversation.message.delta')
    .map((e) => (e.kind === 'message' ? e.message.content : ''))
    .join('')

const followUpsOf = (events: CozeEvent[]) =>
  events.flatMap((e) => (e.kind === 'message' && e.message.type === 'follow_up' ? [e.message.content] : []))

describe('eventsAfterBreak: the rest of a chat whose stream broke', () => {
  it('should give the undelivered rest, the follow-ups and the completed chat after a drop', async () => {
    const q = '掉线后补全 [[sim:drop-after=5,tokens=30,tps=60]]'
    const r = await readUntilBreak(q)
    expect(r.broke).toMatchObject({ code: 'UPSTREAM_INTERRUPTED' })
    expect(r.chatId).not.toBe('')
    // Still generating at the sim when we ask: the poll waits for it.
    const events = await eventsAfterBreak(coze, r, (id) => r.delivered.of(id), soon())
    const expected = sim.answerFor(q)
    expect(r.text.length).toBeGreaterThan(0)
    expect(r.text + deltasOf(events)).toBe(expected.text)
    expect(followUpsOf(events)).toEqual(expected.followUps)
    const last = events.at(-1)
    expect(last).toMatchObject({ kind: 'chat', name: 'conversation.chat.completed' })
    expect(last?.kind === 'chat' && last.chat.usage).toMatchObject({
      input_count: expected.usage.input_count,
      output_count: expected.usage.output_count,
    })
  })

  it('should give the whole answer when nothing of it was delivered', async () => {
    const q = '一个字都没到 [[sim:drop-after=0,tokens=12]]'
    const r = await readUntilBreak(q)
    expect(r.text).toBe('')
    const events = await eventsAfterBreak(coze, r, (id) => r.delivered.of(id), soon())
    expect(deltasOf(events)).toBe(sim.answerFor(q).text)
  })

  it('should finish a stalled stream the same way', async () => {
    const q = '卡住后补全 [[sim:stall-after=4,tokens=20,tps=100]]'
    const r = await readUntilBreak(q)
    expect(r.broke).toMatchObject({ code: 'UPSTREAM_TIMEOUT' })
    const events = await eventsAfterBreak(coze, r, (id) => r.delivered.of(id), soon())
    expect(r.text + deltasOf(events)).toBe(sim.answerFor(q).text)
    expect(events.at(-1)).toMatchObject({ kind: 'chat', name: 'conversation.chat.completed' })
  })

  it('should end, through normalise, exactly as the unbroken stream would have', async () => {
    const q = '同一个 normalise [[sim:drop-after=7,tokens=25,tps=80]]'
    const conversationId = (await coze.createConversation()).id
    const stream = await coze.streamChat({ conversationId, userId: 'u1', question: q })
    const state = newAnswerState()
    const relayed: string[] = []
    const relay = (e: CozeEvent) => {
      for (const out of normalise(state, e)) relayed.push(out.event)
    }
    await stream.read((e) => void relay(e)).catch(() => undefined)
    stream.abort()
    const ids = { conversationId, chatId: state.chatId! }
    for (const e of await eventsAfterBreak(coze, ids, (id) => deliveredText(state, id), soon())) relay(e)
    const expected = sim.answerFor(q)
    expect(state.answer).toBe(expected.text)
    expect(state.suggestions).toEqual(expected.followUps)
    expect(state.outcome).toMatchObject({
      status: 'completed',
      usage: { inputTokens: expected.usage.input_count, outputTokens: expected.usage.output_count },
    })
    expect(relayed.filter((e) => e === 'part')).toEqual([]) // one message: no second text part
    expect(relayed.at(-1)).toBe('done')
  })

  it('should report a chat that failed at Coze after the drop, with its last_error', async () => {
    const q = '掉线后失败 [[sim:drop-after=3,fail=10,tokens=20,tps=100]]'
    const r = await readUntilBreak(q)
    expect(r.broke).toMatchObject({ code: 'UPSTREAM_INTERRUPTED' })
    const events = await eventsAfterBreak(coze, r, (id) => r.delivered.of(id), soon())
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      kind: 'chat',
      name: 'conversation.chat.failed',
      chat: { status: 'failed', last_error: { code: 5000 } },
    })
    const state = newAnswerState()
    for (const e of events) normalise(state, e)
    expect(state.outcome).toMatchObject({ status: 'failed', coze: { code: 5000 } })
  })

  it('should give nothing when the chat still runs at the deadline', async () => {
    const r = await readUntilBreak('还在生成 [[sim:drop-after=2,tokens=200,tps=10]]')
    const started = Date.now()
    const events = await eventsAfterBreak(coze, r, (id) => r.delivered.of(id), {
      deadline: started + 150,
      pollMs: 40,
    })
    expect(events).toEqual([])
    expect(sim.chat(r.chatId)?.status).toBe('in_progress')
  })

  it('should give nothing once the signal aborts', async () => {
    const r = await readUntilBreak('放弃等待 [[sim:drop-after=2,tokens=200,tps=10]]')
    const signal = AbortSignal.timeout(100)
    const events = await eventsAfterBreak(coze, r, (id) => r.delivered.of(id), {
      ...soon(),
      pollMs: 5_000,
      signal,
    })
    expect(events).toEqual([])
  })

  it('should let Coze’s errors through to the caller', async () => {
    const { id } = await coze.createConversation()
    const err = await eventsAfterBreak(
      coze,
      { conversationId: id, chatId: '7000000000000000001' },
      () => 0,
      soon(),
    )
      .then(() => undefined)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CozeApiError)
  })
})

describe('openWithBusyWait: 4016 after a drop', () => {
  it('should wait until Coze’s dropped chat ends, then open the next one', async () => {
    const first = await readUntilBreak('先掉线 [[sim:drop-after=2,tokens=30,tps=60]]')
    const open = () =>
      coze.streamChat({
        conversationId: first.conversationId,
        userId: 'u1',
        question: '接着问 [[sim:tokens=5]]',
      })
    await expect(open()).rejects.toMatchObject({ code: 4016 })
    let tries = 0
    const stream = await openWithBusyWait(() => (tries++, open()), soon())
    expect(tries).toBeGreaterThan(1)
    expect(sim.chat(first.chatId)?.status).toBe('completed')
    const kinds: string[] = []
    await stream.read((e) => void kinds.push(e.kind === 'chat' ? e.name : e.kind))
    expect(kinds).toContain('conversation.chat.completed')
    expect(kinds.at(-1)).toBe('done')
  })

  it('should rethrow the 4016 once the deadline passes', async () => {
    const first = await readUntilBreak('慢慢生成 [[sim:drop-after=2,tokens=200,tps=10]]')
    const open = () =>
      coze.streamChat({ conversationId: first.conversationId, userId: 'u1', question: '插队' })
    const err = await openWithBusyWait(open, { deadline: Date.now() + 120, pollMs: 30 }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(CozeApiError)
    expect(err).toMatchObject({ code: 4016 })
  })

  it('should rethrow any other error at once', async () => {
    const { id } = await coze.createConversation()
    let tries = 0
    const open = () => (
      tries++,
      coze.streamChat({ conversationId: id, userId: 'u1', question: '坏了 [[sim:http=500]]' })
    )
    await expect(openWithBusyWait(open, soon())).rejects.toMatchObject({ httpStatus: 500 })
    expect(tries).toBe(1)
  })
})

describe('positions rebuilt from Coze (issue 19)', () => {
  it.each([
    ['reasoning and text', '想好再答 [[sim:reasoning,tokens=20]]'],
    ['a card, then text', '卡片加文字 [[sim:card,tokens=12]]'],
    ['three answer messages', '分三段 [[sim:answers=3,tokens=18]]'],
  ])('should give the live stream and Coze’s whole answer the same positions: %s', async (_name, q) => {
    const conversationId = (await coze.createConversation()).id
    const stream = await coze.streamChat({ conversationId, userId: 'u1', question: q })
    const live = newAnswerState()
    const liveEvents: StreamEvent[] = [meta]
    await stream.read((e) => void liveEvents.push(...normalise(live, e)))
    stream.abort()
    // What recovery does: the chat's whole answer, normalised from nothing delivered.
    const ids = { conversationId, chatId: live.chatId! }
    const after = newAnswerState()
    const wholeEvents = [
      meta,
      ...(await eventsAfterBreak(coze, ids, () => 0, soon())).flatMap((e) => normalise(after, e)),
    ]
    const [a, b] = [positioned(liveEvents), positioned(wholeEvents)]
    expect(b.at(-1)!.seq).toBe(a.at(-1)!.seq)
    for (const at of a.map((e) => e.seq)) {
      const resumed = [...a.filter((e) => e.seq <= at), ...eventsAfter(b, at)]
      expect(shownOf(resumed), `resumed after ${at}`).toEqual(shownOf(a))
    }
  })
})

const meta: StreamEvent = { event: 'meta', data: { messageId: 'm1', conversationId: 'c1' } }

/** What a widget shows, per kind: text, reasoning, and the other events in order. */
const shownOf = (events: StreamEvent[]) => ({
  text: events.map((e) => (e.event === 'delta' ? e.data.text : e.event === 'part' ? '|' : '')).join(''),
  reasoning: events.map((e) => (e.event === 'reasoning' ? e.data.text : '')).join(''),
  others: events.filter((e) => e.event !== 'delta' && e.event !== 'reasoning').map((e) => e.event),
})
