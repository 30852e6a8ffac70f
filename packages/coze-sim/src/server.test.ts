import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startCozeSim } from './server'
import { call, chatBody, eventNames, openStream, PAT, startTestSim } from './test-support'
import type { CozeSim, SimRequest } from './types'

describe('startCozeSim', () => {
  let sim: CozeSim
  beforeEach(async () => {
    sim = await startTestSim()
  })
  afterEach(() => sim.close())

  it('should listen on 127.0.0.1 with a random port by default', async () => {
    const plain = await startCozeSim()
    try {
      expect(plain.url).toBe(`http://127.0.0.1:${plain.port}`)
      expect(plain.port).toBeGreaterThan(0)
    } finally {
      await plain.close()
    }
  })

  it('should reject unusable timing options', async () => {
    await expect(startCozeSim({ tokensPerSecond: -1 })).rejects.toThrow(TypeError)
  })

  it('should put a fresh x-tt-logid on every response, and 404 unknown paths in the envelope', async () => {
    const a = await call(sim, 'GET', '/v1/unknown')
    const b = await call(sim, 'POST', '/v3/chat', chatBody('你好', { stream: false }))
    expect(a.status).toBe(404)
    expect(a.body).toEqual({
      code: 4200,
      msg: expect.any(String),
      detail: { logid: a.headers.get('x-tt-logid') },
    })
    expect(b.headers.get('x-tt-logid')).toMatch(/^\d{14}[0-9A-F]{20}$/)
    expect(b.headers.get('x-tt-logid')).not.toBe(a.headers.get('x-tt-logid'))
  })

  it('should log requests in arrival order with path, query and authorization', async () => {
    await call(sim, 'POST', '/v1/conversation/create', {})
    await call(sim, 'GET', '/v3/chat/retrieve?conversation_id=1&chat_id=2', undefined, null)
    expect(sim.requests).toEqual([
      {
        seq: 1,
        method: 'POST',
        path: '/v1/conversation/create',
        at: expect.any(Number),
        authorization: `Bearer ${PAT}`,
      },
      {
        seq: 2,
        method: 'GET',
        path: '/v3/chat/retrieve?conversation_id=1&chat_id=2',
        at: expect.any(Number),
      },
    ])
  })

  it('should fire request/chat/cancel listeners on arrival with the parsed body, and stop after off', async () => {
    const seen: string[] = []
    const bodies: unknown[] = []
    const onRequest = (r: SimRequest) => seen.push(`request ${r.path}`)
    sim.on('request', onRequest)
    sim.on('chat', (r) => (seen.push('chat'), bodies.push(r.body)))
    sim.on('cancel', () => seen.push('cancel'))
    const chat = (await call(sim, 'POST', '/v3/chat', chatBody('事件', { stream: false }))).body.data
    await call(sim, 'POST', '/v3/chat/cancel', { conversation_id: chat.conversation_id, chat_id: chat.id })
    sim.off('request', onRequest)
    await call(sim, 'POST', '/v1/conversation/create', {})
    expect(seen).toEqual(['request /v3/chat', 'chat', 'request /v3/chat/cancel', 'cancel'])
    expect(bodies[0]).toMatchObject({ bot_id: '7379462189365198898', stream: false })
  })

  it('should fire the chat event before any response byte', async () => {
    let headersSeenFirst = false
    sim.faults.latencyMs(30)
    const arrived = new Promise<void>((resolve) => sim.on('chat', () => resolve()))
    const reply = call(sim, 'POST', '/v3/chat', chatBody('先到', { stream: false })).then(
      () => (headersSeenFirst = true),
    )
    await arrived
    expect(headersSeenFirst).toBe(false)
    await reply
  })

  it('should delay responses by latencyMs and still answer', async () => {
    sim.faults.latencyMs(20)
    expect((await call(sim, 'POST', '/v1/conversation/create', {})).body.code).toBe(0)
  })

  it('should reset stats, requests and faults but keep conversations and chats', async () => {
    const chat = (await call(sim, 'POST', '/v3/chat', chatBody('重置', { stream: false }))).body.data
    sim.faults.rejectNextAuth(5)
    sim.faults.latencyMs(10_000)
    sim.reset()
    expect(sim.requests).toHaveLength(0)
    expect(Object.values(sim.stats).every((n) => n === 0)).toBe(true)
    const r = await call(
      sim,
      'GET',
      `/v3/chat/retrieve?conversation_id=${chat.conversation_id}&chat_id=${chat.id}`,
    )
    expect(r.body.data.id).toBe(chat.id)
    expect(sim.requests[0]!.seq).toBe(1)
  })

  it('should expose a chat snapshot by id', async () => {
    const question = '快照 [[sim:tokens=3]]'
    const chat = (await call(sim, 'POST', '/v3/chat', chatBody(question, { stream: false }))).body.data
    await expect.poll(() => sim.chat(chat.id)?.status).toBe('completed')
    expect(sim.chat(chat.id)).toMatchObject({
      id: chat.id,
      conversationId: chat.conversation_id,
      botId: '7379462189365198898',
      userId: 'user-1',
      question,
      stream: false,
      answer: sim.answerFor(question).text,
      lastError: { code: 0, msg: '' },
    })
    expect(sim.chat('nope')).toBeUndefined()
  })
})

describe('CozeSim.close', () => {
  it('should destroy open streams and be idempotent', async () => {
    const sim = await startTestSim()
    const s = await openStream(sim, chatBody('关闭 [[sim:stall-after=1]]'))
    await s.until((t) => eventNames(t).includes('conversation.message.delta'))
    await sim.close()
    expect(await s.finished).toBe('cut')
    await sim.close()
  })
})
