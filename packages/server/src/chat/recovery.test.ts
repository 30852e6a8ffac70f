/**
 * Recovery continues from Coze's full answer at exactly the client's position (issue 19), on the
 * embedded adapters (SQLite, in-process kv and log) against the coze-sim: the dead instance's log is
 * cut at any point, the client may have seen more than was logged, and the row ends as Coze ended it.
 */
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCozeSim } from '@volcano-chat/coze-sim'
import { createCozeAuth } from '../core/coze/auth'
import { createCozeClient } from '../core/coze/client'
import { keys } from '../core/kv/keys'
import { createKvLocks } from '../core/kv/locks'
import { createMemoryKv } from '../backends/memory/kv'
import { openSqliteStore } from '../store/sqlite'
import type { Store } from '../store/types'
import { createMemoryStreamLog } from '../backends/memory/streams'
import type { LoggedEvent } from '../core/streams/types'
import type { StreamEvent } from '../core/wire'
import { attachToMessage } from './attach'
import { positioned, type Positioned } from './event-id'
import { newAnswerState, normalise } from './normalise'
import { combineObservers } from './observer'
import { createRecovery } from './recovery'
import type { EventSink } from './relay'

const BOT = 'bot_recovery_test'
const USER = { userId: 'u-recovery', sessionId: 's1' } as never
let sim: Awaited<ReturnType<typeof startCozeSim>>
let coze: ReturnType<typeof createCozeClient>
let store: Store

beforeAll(async () => {
  sim = await startCozeSim({ pats: ['pat_recovery'], firstTokenDelayMs: 0, tokensPerSecond: 0 })
  const log = pino({ level: 'silent' })
  const auth = createCozeAuth({
    apiBase: sim.url,
    tokenTtlSeconds: 900,
    botId: BOT,
    pat: 'pat_recovery',
    kv: createMemoryKv(),
    log,
  })
  coze = createCozeClient({ apiBase: sim.url, botId: BOT, auth, idleTimeoutMs: 5_000 })
  store = await openSqliteStore(':memory:')
  await store.migrate()
})
afterAll(async () => {
  await coze.close()
  await sim.close()
  await store.close()
})

/** The answer as the live relay positioned it (meta first), and the row T1 + the chat id left behind. */
async function answeredLive(question: string) {
  const conversationId = (await coze.createConversation()).id
  const stream = await coze.streamChat({ conversationId, userId: 'u1', question })
  const state = newAnswerState()
  const messageId = `m-${Math.random().toString(36).slice(2)}`
  const events: StreamEvent[] = [{ event: 'meta', data: { messageId, conversationId } }]
  let cozeMessageId: string | undefined // the last answer message's, as the relay keeps it
  await stream.read((e) => {
    if (e.kind === 'message' && e.message.type === 'answer') cozeMessageId = e.message.id
    events.push(...normalise(state, e))
  })
  stream.abort()
  const at = Date.now()
  await store.insertConversation({
    id: conversationId,
    userId: 'u-recovery',
    title: 'q',
    createdAt: at,
    updatedAt: at,
  })
  await store.insertQuestion({
    id: messageId,
    userId: 'u-recovery',
    conversationId,
    sessionId: 's1',
    clientMessageId: null,
    question,
    clientIp: null,
    userAgent: null,
    askedAt: at,
  })
  await store.setCozeChatId(messageId, state.chatId!)
  return { messageId, live: positioned(events), cozeMessageId }
}

/** What a resuming client gets after `position`, through the resume path. */
async function resumedAfter(d: Parameters<typeof attachToMessage>[0], messageId: string, position: number) {
  const got: Positioned[] = []
  const sink: EventSink = {
    opened: false,
    open() {},
    event: (id, e) => void got.push({ ...e, seq: Number(id.split(':').at(-1)) } as Positioned),
    close() {},
  }
  await attachToMessage(d, USER, messageId, { afterSeq: position }, sink)
  return got
}

const textOf = (events: StreamEvent[]) => events.map((e) => (e.event === 'delta' ? e.data.text : '')).join('')
const reasoningOf = (events: StreamEvent[]) =>
  events.map((e) => (e.event === 'reasoning' ? e.data.text : '')).join('')

describe('recovery from Coze at the client’s position', () => {
  it.each([
    ['the log and the client agree', 12, 0],
    ['the client saw more than was logged', 6, 9],
    ['only meta was logged', 1, 14],
    ['the client saw nothing but meta', 10, -9],
  ])('should give exactly the rest when %s', async (_case, loggedEvents, clientAhead) => {
    const question = `恢复位置 ${loggedEvents} ${clientAhead} [[sim:reasoning,tokens=40]]`
    const { messageId, live, cozeMessageId } = await answeredLive(question)
    const streams = createMemoryStreamLog({})
    // The dead instance logged its first events; the client got up to a position of its own.
    for (const e of live.slice(0, loggedEvents)) streams.append(messageId, e as LoggedEvent)
    // The client's position is an id it got: the end of one of the live events.
    const client = live[loggedEvents - 1 + clientAhead]!.seq
    const log = pino({ level: 'silent' })
    const observer = combineObservers([], () => undefined)
    const recovery = createRecovery({
      store,
      locks: createKvLocks(createMemoryKv()),
      coze,
      streams,
      log,
      observer,
      maxAnswerMs: 30_000,
      pollMs: 20,
    })
    expect(await recovery.recover((await store.getMessage('u-recovery', messageId))!)).toBe(true)

    const seen = live.filter((e) => e.seq <= client)
    const rest = await resumedAfter({ store, streams }, messageId, client)
    const all = [...seen, ...rest]
    const expected = sim.answerFor(question)
    expect(textOf(all)).toBe(expected.text)
    expect(reasoningOf(all)).toBe(reasoningOf(live))
    expect(all.map((e) => e.seq)).toEqual([...new Set(all.map((e) => e.seq))].sort((a, b) => a - b))
    expect(rest.some((e) => e.event === 'meta')).toBe(false)
    expect(rest.at(-1)?.event).toBe('done')
    expect(await store.getMessage('u-recovery', messageId)).toMatchObject({
      status: 'completed',
      answer: expected.text,
      cozeMessageId, // feedback rates Coze's answer message
    })

    // Once the log has expired the archive continues at the same position.
    const fromArchive = await resumedAfter({ store, streams: createMemoryStreamLog({}) }, messageId, client)
    expect(textOf([...seen, ...fromArchive])).toBe(expected.text)
  })
})

describe('the recovery lock', () => {
  it('should take over a lock whose instance is gone, and leave one whose instance lives', async () => {
    const question = '锁的接管 [[sim:tokens=10]]'
    const { messageId, live } = await answeredLive(question)
    const streams = createMemoryStreamLog({})
    streams.append(messageId, live[0] as LoggedEvent)
    const kv = createMemoryKv()
    await kv.set(keys.recover(messageId), 'ghost', { ttlMs: 60_000 }) // a recovery whose instance died
    const deps = {
      store,
      locks: createKvLocks(kv),
      coze,
      streams,
      log: pino({ level: 'silent' }),
      observer: combineObservers([], () => undefined),
      maxAnswerMs: 30_000,
      pollMs: 20,
    }
    const row = (await store.getMessage('u-recovery', messageId))!
    const alive = createRecovery({ ...deps, running: { instanceId: 'me', isAlive: async () => true } })
    expect(await alive.recover(row)).toBe(false)
    const gone = createRecovery({
      ...deps,
      running: { instanceId: 'me', isAlive: async (id) => id !== 'ghost' },
    })
    expect(await gone.recover(row)).toBe(true)
    expect(await store.getMessage('u-recovery', messageId)).toMatchObject({
      status: 'completed',
      answer: sim.answerFor(question).text,
    })
  })
})
