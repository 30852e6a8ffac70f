import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCozeSim } from '@volcano-chat/coze-sim'
import { createMemoryKv } from '../../backends/memory/kv'
import { createCozeAuth } from './auth'
import { createCozeClient, CozeApiError } from './client'
import type { CozeEvent } from './events'

const BOT = 'bot_client_test'
let sim: Awaited<ReturnType<typeof startCozeSim>>
let coze: ReturnType<typeof createCozeClient>

beforeAll(async () => {
  sim = await startCozeSim({ pats: ['pat_client'], firstTokenDelayMs: 0, tokensPerSecond: 0 })
  const auth = createCozeAuth({
    apiBase: sim.url,
    tokenTtlSeconds: 900,
    botId: BOT,
    pat: 'pat_client',
    kv: createMemoryKv(),
    log: pino({ level: 'silent' }),
  })
  coze = createCozeClient({ apiBase: sim.url, botId: BOT, auth, idleTimeoutMs: 500 })
})
afterAll(async () => {
  await coze.close()
  await sim.close()
})

async function ask(question: string) {
  const { id } = await coze.createConversation()
  return coze.streamChat({ conversationId: id, userId: 'u1', question })
}

/** Reads a whole stream; the answer text is the deltas joined. */
async function readAll(question: string, stopAt?: CozeEvent['kind']) {
  const stream = await ask(question)
  const events: CozeEvent[] = []
  await stream.read((e) => {
    events.push(e)
    return e.kind === stopAt
  })
  stream.abort()
  const text = events
    .filter((e) => e.kind === 'message' && e.name === 'conversation.message.delta')
    .map((e) => (e.kind === 'message' ? e.message.content : ''))
    .join('')
  return { events, text }
}

describe('Coze client: the streamed chat', () => {
  it('should deliver every event in order and end with done', async () => {
    const { events, text } = await readAll('你好 [[sim:tokens=8]]')
    expect(events[0]).toMatchObject({ kind: 'chat', name: 'conversation.chat.created' })
    expect(events.at(-1)).toEqual({ kind: 'done' })
    expect(events.some((e) => e.kind === 'chat' && e.name === 'conversation.chat.completed')).toBe(true)
    expect(text.length).toBeGreaterThan(0)
  })

  it('should keep characters whole when Coze cuts its writes inside them', async () => {
    const whole = await readAll('讲个故事 [[sim:tokens=12]]')
    const split = await readAll('讲个故事 [[sim:tokens=12,split]]')
    expect(split.text).toBe(whole.text)
    expect(split.text).not.toContain('\uFFFD')
  })

  it('should keep the events that arrive before read() is called', async () => {
    const stream = await ask('hello [[sim:tokens=5]]')
    await sleep(100) // the whole answer is in before anyone reads
    const kinds: string[] = []
    await stream.read((e) => void kinds.push(e.kind))
    expect(kinds.at(-1)).toBe('done')
    expect(kinds.filter((k) => k === 'message').length).toBeGreaterThanOrEqual(5)
  })

  it('should stop at the first event the reader refuses, and abort harmlessly afterwards', async () => {
    const { events } = await readAll('hello [[sim:tokens=50,tps=20]]', 'message')
    expect(events.at(-1)?.kind).toBe('message')
  })

  it('should reject with an interruption when Coze drops the connection mid-stream', async () => {
    const stream = await ask('hello [[sim:tokens=20,drop-after=3]]')
    await expect(stream.read(() => false)).rejects.toMatchObject({ code: 'UPSTREAM_INTERRUPTED' })
  })

  it('should reject with a timeout when Coze stops sending', async () => {
    const stream = await ask('hello [[sim:tokens=20,stall-after=2]]')
    await expect(stream.read(() => false)).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' })
  })

  it('should end reading, not hang, when its own answer aborts it', async () => {
    const stream = await ask('hello [[sim:tokens=200,tps=20]]')
    const reading = stream.read(() => false)
    setTimeout(() => stream.abort(), 120)
    await expect(reading).rejects.toMatchObject({ code: 'UPSTREAM_INTERRUPTED' })
  })

  it('should deliver nothing when the answer aborts before reading', async () => {
    const stream = await ask('hello [[sim:tokens=5]]')
    await sleep(100) // the whole answer has arrived
    stream.abort()
    const kinds: string[] = []
    await stream.read((e) => void kinds.push(e.kind)).catch(() => undefined)
    expect(kinds).toEqual([])
  })

  it('should turn a refused open into Coze’s own error, with its status and code', async () => {
    const err = await ask('hello [[sim:http=500]]').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CozeApiError)
    expect(err).toMatchObject({ httpStatus: 500 })
  })
})

describe('Coze client: bot info and clear', () => {
  it('should clear a conversation into a new section', async () => {
    const { id } = await coze.createConversation()
    const section = await coze.clearConversation(id)
    expect(section.conversation_id).toBe(id)
    expect(section.id).toMatch(/^\d+$/)
  })

  it("should fail with Coze's code for a bot not published to the API", async () => {
    // BOT is not numeric: the sim answers 4015 as for an unpublished bot.
    await expect(coze.retrieveBot()).rejects.toMatchObject({ name: 'CozeApiError', code: 4015 })
  })
})
