import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FAILED_ERROR, SERVER_ERROR } from './chat-run'
import { call, chatBody, eventNames, openStream, parseSse, startTestSim } from './test-support'
import type { CozeSim } from './types'

const DELTA = 'conversation.message.delta'
let sim: CozeSim

beforeEach(async () => {
  sim = await startTestSim()
})
afterEach(() => sim.close())

/** Starts a non-streaming chat and returns its Chat object. */
async function startChat(question: string, conversationId?: string) {
  const query = conversationId ? `?conversation_id=${conversationId}` : ''
  const r = await call(sim, 'POST', `/v3/chat${query}`, chatBody(question, { stream: false }))
  expect(r.body).toMatchObject({ code: 0, msg: '' })
  return r.body.data
}

const retrieve = (c: { id: string; conversation_id: string }, method = 'GET') =>
  call(sim, method, `/v3/chat/retrieve?conversation_id=${c.conversation_id}&chat_id=${c.id}`)

async function waitUntilFinished(c: { id: string; conversation_id: string }) {
  await expect.poll(async () => (await retrieve(c)).body.data.status).not.toMatch(/created|in_progress/)
}

describe('POST /v3/chat stream:false', () => {
  it('should answer in_progress at once and finish in the background', async () => {
    const question = '后台生成 [[sim:tokens=8]]'
    const chat = await startChat(question)
    expect(chat).toMatchObject({ status: 'in_progress', bot_id: '7379462189365198898' })
    expect(chat.id).toMatch(/^\d{19}$/)
    expect(chat.conversation_id).toMatch(/^\d{19}$/)
    await waitUntilFinished(chat)
    const done = (await retrieve(chat, 'POST')).body.data
    expect(done).toMatchObject({ status: 'completed', usage: sim.answerFor(question).usage })
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at)
    expect(sim.stats).toMatchObject({ chatCalls: 1, retrieveCalls: expect.any(Number) })
  })

  it('should list the answer, follow-ups and verbose message, not the user query', async () => {
    const question = '消息列表 [[sim:tokens=6]]'
    const chat = await startChat(question)
    await waitUntilFinished(chat)
    const list = await call(
      sim,
      'GET',
      `/v3/chat/message/list?conversation_id=${chat.conversation_id}&chat_id=${chat.id}`,
    )
    const answer = sim.answerFor(question)
    expect(list.body.data.map((m: { type: string }) => m.type)).toEqual([
      'answer',
      'follow_up',
      'follow_up',
      'follow_up',
      'verbose',
    ])
    expect(list.body.data[0]).toMatchObject({ role: 'assistant', content: answer.text, chat_id: chat.id })
    expect(sim.stats.messageListCalls).toBe(1)
  })
})

describe('POST /v3/chat conversations', () => {
  it('should use the conversation from the query', async () => {
    const created = await call(sim, 'POST', '/v1/conversation/create', {})
    const chat = await startChat('在会话里', created.body.data.id)
    expect(chat.conversation_id).toBe(created.body.data.id)
  })

  it('should answer 200 + 4002 with detail.logid for an unknown conversation', async () => {
    const r = await call(sim, 'POST', '/v3/chat?conversation_id=7000000000000000000', chatBody('你好'))
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toContain('application/json')
    expect(r.body).toEqual({
      code: 4002,
      msg: 'The specified conversation does not exist',
      detail: { logid: r.headers.get('x-tt-logid') },
    })
  })

  it('should refuse a second chat while one is running in the conversation (4016)', async () => {
    const first = await startChat('慢 [[sim:ttft=60000]]')
    const busy = await call(
      sim,
      'POST',
      `/v3/chat?conversation_id=${first.conversation_id}`,
      chatBody('再问'),
    )
    expect(busy.body.code).toBe(4016)
    await call(sim, 'POST', '/v3/chat/cancel', { conversation_id: first.conversation_id, chat_id: first.id })
    expect(await startChat('取消之后可以再问', first.conversation_id)).toMatchObject({
      status: 'in_progress',
    })
  })
})

describe('POST /v3/chat/cancel', () => {
  it('should switch a running chat to canceled, and refuse to cancel it twice (4104)', async () => {
    const chat = await startChat('取消我 [[sim:ttft=60000]]')
    const body = { conversation_id: chat.conversation_id, chat_id: chat.id }
    const r = await call(sim, 'POST', '/v3/chat/cancel', body)
    expect(r.body).toMatchObject({ code: 0, data: { id: chat.id, status: 'canceled' } })
    expect((await retrieve(chat)).body.data.status).toBe('canceled')
    expect((await call(sim, 'POST', '/v3/chat/cancel', body)).body.code).toBe(4104)
    expect(sim.stats.cancelCalls).toBe(2)
  })

  it('should refuse to cancel a completed chat (4104)', async () => {
    const chat = await startChat('已完成')
    await waitUntilFinished(chat)
    const r = await call(sim, 'POST', '/v3/chat/cancel', {
      conversation_id: chat.conversation_id,
      chat_id: chat.id,
    })
    expect(r.body).toMatchObject({ code: 4104, detail: { logid: expect.any(String) } })
  })
})

describe('POST /v3/chat stream:true', () => {
  it('should finish the chat on its own timeline when the client disconnects mid-stream', async () => {
    const question = '断线 [[sim:tps=200,tokens=40]]'
    const s = await openStream(sim, chatBody(question))
    await s.until((t) => eventNames(t).includes(DELTA))
    s.destroy()
    const chat = JSON.parse(parseSse(s.text().slice(0, s.text().indexOf('\n\n') + 2))[0]!.data)
    await waitUntilFinished(chat)
    expect((await retrieve(chat)).body.data.status).toBe('completed')
    const list = await call(
      sim,
      'GET',
      `/v3/chat/message/list?conversation_id=${chat.conversation_id}&chat_id=${chat.id}`,
    )
    expect(list.body.data[0].content).toBe(sim.answerFor(question).text)
  })

  it('should follow ttft and tps markers to the same answer', async () => {
    const question = '节奏 [[sim:ttft=20,tps=500,tokens=10]]'
    const s = await openStream(sim, chatBody(question))
    expect(await s.finished).toBe('end')
    const text = parseSse(s.text())
      .filter((e) => e.event === DELTA)
      .map((e) => JSON.parse(e.data))
      .filter((d) => d.reasoning_content === undefined)
      .map((d) => d.content)
      .join('')
    expect(text).toBe(sim.answerFor(question).text)
  })

  it('should send an error event mid-stream, then end without done (error-event)', async () => {
    const s = await openStream(sim, chatBody('出错 [[sim:error-event=2,reasoning]]'))
    expect(await s.finished).toBe('end')
    const events = parseSse(s.text())
    const answerDeltas = events.filter(
      (e) => e.event === DELTA && JSON.parse(e.data).reasoning_content === undefined,
    )
    expect(answerDeltas).toHaveLength(2)
    expect(events.at(-1)).toEqual({ event: 'error', data: JSON.stringify(SERVER_ERROR) })
    const chat = JSON.parse(events[0]!.data)
    expect((await retrieve(chat)).body.data).toMatchObject({ status: 'failed', last_error: SERVER_ERROR })
  })

  it('should send conversation.chat.failed with last_error, then done (fail)', async () => {
    const s = await openStream(sim, chatBody('失败 [[sim:fail=1]]'))
    expect(await s.finished).toBe('end')
    const events = parseSse(s.text())
    expect(events.map((e) => e.event).slice(-2)).toEqual(['conversation.chat.failed', 'done'])
    const failed = JSON.parse(events.at(-2)!.data)
    expect(failed).toMatchObject({
      status: 'failed',
      last_error: FAILED_ERROR,
      failed_at: expect.any(Number),
    })
  })

  it('should stream reasoning_content deltas before the answer (reasoning)', async () => {
    const question = '推理 [[sim:reasoning,tokens=5]]'
    const s = await openStream(sim, chatBody(question))
    await s.finished
    const answer = sim.answerFor(question)
    const ds = parseSse(s.text())
      .filter((e) => e.event === DELTA)
      .map((e) => JSON.parse(e.data))
    expect(ds.map((d) => d.reasoning_content ?? null)).toEqual([
      ...answer.reasoningChunks,
      ...answer.chunks.map(() => null),
    ])
    expect(ds.map((d) => d.content).join('')).toBe(answer.text)
  })

  it('should stream the hostile answer verbatim (xss)', async () => {
    const question = '安全 [[sim:xss]]'
    const s = await openStream(sim, chatBody(question))
    await s.finished
    const completed = parseSse(s.text()).find((e) => e.event === 'conversation.message.completed')!
    const text = JSON.parse(completed.data).content
    expect(text).toBe(sim.answerFor(question).text)
    expect(text).toContain('<script>window.__xss=1</script>')
  })
})

describe('POST /v3/chat faults before the stream', () => {
  it.each([
    [401, 4100],
    [429, 4013],
    [500, 5000],
    [502, 5000],
    [503, 5000],
  ])(
    'should reject with HTTP %i and code %i as JSON, even for stream requests (http=)',
    async (status, code) => {
      const r = await call(sim, 'POST', '/v3/chat', chatBody(`拒绝 [[sim:http=${status}]]`))
      expect(r.status).toBe(status)
      expect(r.headers.get('content-type')).toContain('application/json')
      expect(r.body).toEqual({
        code,
        msg: expect.any(String),
        detail: { logid: r.headers.get('x-tt-logid') },
      })
    },
  )

  it('should accept and never send a byte, not even headers (hang)', async () => {
    const arrived: unknown[] = []
    sim.on('chat', (r) => arrived.push(r.body))
    const pending = fetch(`${sim.url}/v3/chat`, {
      method: 'POST',
      headers: { authorization: 'Bearer pat_test', 'content-type': 'application/json' },
      body: JSON.stringify(chatBody('挂起 [[sim:hang]]')),
      signal: AbortSignal.timeout(150),
    })
    await expect(pending).rejects.toThrow(/abort|timeout/i)
    expect(arrived).toHaveLength(1)
    expect(sim.stats.chatCalls).toBe(1)
  })

  it.each([
    ['bad JSON', '{"bot_id":'],
    ['a numeric bot_id', { ...chatBody('你好'), bot_id: 7379462189 }],
    ['a numeric user_id', { ...chatBody('你好'), user_id: 42 }],
    ['no user_id', { ...chatBody('你好'), user_id: undefined }],
    ['a bad role', chatBody('你好', { additional_messages: [{ role: 'system', content: 'x' }] })],
    ['an unknown marker', chatBody('你好 [[sim:explode]]')],
  ])('should answer code 4000 for %s', async (_name, body) => {
    const r = await call(sim, 'POST', '/v3/chat', body)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ code: 4000, detail: { logid: expect.any(String) } })
  })

  it('should take the question from object_string text items', async () => {
    const content = JSON.stringify([
      { type: 'text', text: '图片里是什么' },
      { type: 'image', file_url: 'https://example.com/a.png' },
    ])
    const body = chatBody('', {
      stream: false,
      additional_messages: [{ role: 'user', content, content_type: 'object_string' }],
    })
    const chat = (await call(sim, 'POST', '/v3/chat', body)).body.data
    expect(sim.chat(chat.id)!.question).toBe('图片里是什么')
  })
})

describe('GET /v3/chat/retrieve', () => {
  it('should answer 4000 without ids, 4002 for an unknown conversation, 4001 for an unknown chat', async () => {
    expect((await call(sim, 'GET', '/v3/chat/retrieve')).body.code).toBe(4000)
    const chat = await startChat('你好')
    const otherConversation = { ...chat, conversation_id: '7000000000000000000' }
    const otherChat = { ...chat, id: '7000000000000000000' }
    expect((await retrieve(otherConversation)).body.code).toBe(4002)
    expect((await retrieve(otherChat)).body.code).toBe(4001)
    const list = (c: typeof chat) =>
      call(sim, 'GET', `/v3/chat/message/list?conversation_id=${c.conversation_id}&chat_id=${c.id}`)
    expect((await list(otherConversation)).body.code).toBe(4002)
    expect((await list(otherChat)).body.code).toBe(4001)
    const cancel = (c: typeof chat) =>
      call(sim, 'POST', '/v3/chat/cancel', { conversation_id: c.conversation_id, chat_id: c.id })
    expect((await cancel(otherConversation)).body.code).toBe(4002)
    expect((await cancel(otherChat)).body).toMatchObject({
      code: 4001,
      msg: 'The specified chat does not exist',
    })
  })
})
