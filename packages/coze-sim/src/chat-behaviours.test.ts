/**
 * Coze's chat behaviours (coze-protocol.md §9 rows 2, 3, 4, 8) over raw HTTP: business codes at chat
 * start, `last_error` codes, several answer messages, cards and object_string, requires_action with
 * submit_tool_outputs, and disconnects that fail or complete at Coze.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SIM_IMAGE_URL } from './answer-messages'
import { COZE_TEXTS } from './coze-codes'
import { call, chatBody, eventNames, openStream, parseSse, startTestSim } from './test-support'
import type { CozeSim } from './types'

let sim: CozeSim
beforeEach(async () => {
  sim = await startTestSim()
})
afterEach(() => sim.close())

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON
type Json = any
const events = (text: string) =>
  parseSse(text).map((e) => ({ event: e.event, data: JSON.parse(e.data) as Json }))

async function streamed(question: string, extra: Record<string, unknown> = {}) {
  const s = await openStream(sim, chatBody(question, extra))
  await s.finished
  return events(s.text())
}

const retrieve = (c: { id: string; conversation_id: string }) =>
  call(sim, 'GET', `/v3/chat/retrieve?conversation_id=${c.conversation_id}&chat_id=${c.id}`)
const messages = (c: { id: string; conversation_id: string }) =>
  call(sim, 'GET', `/v3/chat/message/list?conversation_id=${c.conversation_id}&chat_id=${c.id}`)
const submitPath = (c: { id: string; conversation_id: string }) =>
  `/v3/chat/submit_tool_outputs?conversation_id=${c.conversation_id}&chat_id=${c.id}`

describe('code=<n>: business errors at chat start (§9 row 2)', () => {
  it.each([4008, 4009, 4010, 4011, 4012, 4013, 4015, 4016, 4019, 4020, 4027, 4028, 788788103])(
    'should answer HTTP 200 JSON {code: %i, msg: Coze text, detail.logid} to a stream request, no chat',
    async (code) => {
      const r = await call(sim, 'POST', '/v3/chat', chatBody(`错误 [[sim:code=${code}]]`))
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toContain('application/json')
      expect(r.body).toEqual({ code, msg: COZE_TEXTS[code], detail: { logid: r.headers.get('x-tt-logid') } })
      expect(sim.stats.chatCalls).toBe(1)
    },
  )

  it('should create no chat, so the conversation stays free', async () => {
    const conversation = (await call(sim, 'POST', '/v1/conversation/create', {})).body.data.id
    const path = `/v3/chat?conversation_id=${conversation}`
    expect((await call(sim, 'POST', path, chatBody('[[sim:code=4009]]'))).body.code).toBe(4009)
    const list = await call(sim, 'POST', `/v1/conversation/message/list?conversation_id=${conversation}`, {})
    expect(list.body.data).toEqual([])
    expect((await call(sim, 'POST', path, chatBody('可以', { stream: false }))).body.code).toBe(0)
  })
})

describe('fail-code=<n>: conversation.chat.failed with that last_error', () => {
  it.each([
    [4010, COZE_TEXTS[4010]],
    [4028, COZE_TEXTS[4028]],
    [5000, 'event interval error'],
  ])('should fail half-way with last_error %i', async (code, msg) => {
    const question = `失败 [[sim:fail-code=${code},tokens=10]]`
    const es = await streamed(question)
    expect(
      es.filter((e) => e.event === 'conversation.message.delta' && !e.data.reasoning_content),
    ).toHaveLength(5)
    expect(es.slice(-2).map((e) => e.event)).toEqual(['conversation.chat.failed', 'done'])
    expect(es.at(-2)!.data).toMatchObject({ status: 'failed', last_error: { code, msg } })
    expect(sim.chat(es[0]!.data.id)).toMatchObject({ status: 'failed', lastError: { code, msg } })
  })

  it('should keep 5000 "event interval error" for a bare fail', async () => {
    const es = await streamed('失败 [[sim:fail=1]]')
    expect(es.at(-2)!.data.last_error).toEqual({ code: 5000, msg: 'event interval error' })
  })
})

describe('answers=<n>, card, object-string: several answer messages (§9 row 4)', () => {
  it('should stream n answer messages with their own ids whose texts join to answerFor().text', async () => {
    const question = '多段 [[sim:answers=3]]'
    const es = await streamed(question)
    const expected = sim.answerFor(question)
    const completed = es.filter(
      (e) => e.event === 'conversation.message.completed' && e.data.type === 'answer',
    )
    expect(completed).toHaveLength(3)
    expect(new Set(completed.map((e) => e.data.id)).size).toBe(3)
    expect(completed.map((e) => e.data.content)).toEqual(expected.messages.map((m) => m.content))
    expect(completed.map((e) => e.data.content).join('\n\n')).toBe(expected.text)
    // Each message's deltas come before its completed copy, all under its id.
    for (const c of completed) {
      const ds = es.filter((e) => e.event === 'conversation.message.delta' && e.data.id === c.data.id)
      expect(ds.map((d) => d.data.content).join('')).toBe(c.data.content)
      expect(es.indexOf(ds.at(-1)!)).toBeLessThan(es.indexOf(c))
    }
    const chat = es[0]!.data
    const listed = (await messages(chat)).body.data.filter((m: Json) => m.type === 'answer')
    expect(listed.map((m: Json) => m.content)).toEqual(expected.messages.map((m) => m.content))
    expect(sim.chat(chat.id)!.answer).toBe(expected.text)
  })

  it('should send a card whole (completed only, JSON content) before the text', async () => {
    const question = '卡片 [[sim:card,answers=2]]'
    const es = await streamed(question)
    const answers = es.filter((e) => e.data?.type === 'answer')
    const card = answers.find((e) => e.data.content_type === 'card')!
    expect(answers.filter((e) => e.data.id === card.data.id).map((e) => e.event)).toEqual([
      'conversation.message.completed',
    ])
    expect(answers.indexOf(card)).toBe(0)
    const payload = JSON.parse(card.data.content)
    expect(payload).toMatchObject({ card_type: 3, response_type: 'card' })
    expect(JSON.parse(payload.data)).toMatchObject({ title: expect.stringContaining('卡片') })
    const expected = sim.answerFor(question)
    expect(expected.messages.map((m) => m.contentType)).toEqual(['card', 'text', 'text'])
    expect(expected.text).not.toContain('card_type')
    const convo = es[0]!.data.conversation_id
    const list = await call(sim, 'POST', `/v1/conversation/message/list?conversation_id=${convo}`, {
      order: 'asc',
    })
    expect(list.body.data.map((m: Json) => m.content_type)).toEqual(['text', 'card', 'text', 'text'])
  })

  it('should send one object_string answer of a text part and an image part', async () => {
    const question = '图文 [[sim:object-string]]'
    const es = await streamed(question)
    const answer = es.filter((e) => e.data?.type === 'answer')
    expect(answer.map((e) => e.event)).toEqual(['conversation.message.completed'])
    expect(answer[0]!.data.content_type).toBe('object_string')
    const expected = sim.answerFor(question)
    expect(JSON.parse(answer[0]!.data.content)).toEqual([
      { type: 'text', text: expected.text },
      { type: 'image', file_url: SIM_IMAGE_URL },
    ])
    expect(sim.chat(es[0]!.data.id)!.answer).toBe(expected.text)
    expect(es.slice(-2).map((e) => e.event)).toEqual(['conversation.chat.completed', 'done'])
  })

  it('should leave a plain answer exactly as before: one text message, text === chunks.join("")', () => {
    const a = sim.answerFor('普通问题')
    expect(a.messages).toEqual([{ contentType: 'text', content: a.text, text: a.text, chunks: a.chunks }])
    expect(a.chunks.join('')).toBe(a.text)
    expect(a.action).toBeUndefined()
  })
})

describe('ask and tool=: requires_action, then submit_tool_outputs continues the same chat (§9 row 3)', () => {
  it('should ask (answer + requires_action reply_message + done), wait, and continue with the reply', async () => {
    const question = '查订单 [[sim:ask]]'
    const es = await streamed(question)
    const asked = sim.answerFor(question)
    expect(es.slice(-3).map((e) => e.event)).toEqual([
      'conversation.message.completed',
      'conversation.chat.requires_action',
      'done',
    ])
    expect(es.at(-3)!.data).toMatchObject({ type: 'answer', content: asked.text })
    const chat = es.at(-2)!.data
    expect(chat).toMatchObject({
      status: 'requires_action',
      required_action: {
        type: 'submit_tool_outputs',
        submit_tool_outputs: {
          tool_calls: [{ id: expect.stringMatching(/^\d{19}$/), type: 'reply_message' }],
        },
      },
    })
    expect((await retrieve(chat)).body.data).toMatchObject({
      status: 'requires_action',
      required_action: chat.required_action,
    })
    const toolCallId = chat.required_action.submit_tool_outputs.tool_calls[0].id

    const submitted: unknown[] = []
    sim.on('submit', (r) => submitted.push(r.body))
    const body = { stream: true, tool_outputs: [{ tool_call_id: toolCallId, output: '订单 A123' }] }
    const s = await openStream(sim, body, submitPath(chat))
    await s.finished
    const more = events(s.text())
    expect(more[0]).toMatchObject({ event: 'conversation.chat.in_progress', data: { id: chat.id } })
    expect(more.slice(-2).map((e) => e.event)).toEqual(['conversation.chat.completed', 'done'])
    const after = sim.answerFor(question, '订单 A123')
    expect(after.text).toContain('订单 A123')
    const deltas = more.filter((e) => e.event === 'conversation.message.delta').map((e) => e.data.content)
    expect(deltas.join('')).toBe(after.text)
    expect(sim.chat(chat.id)).toMatchObject({
      status: 'completed',
      toolOutputs: [{ tool_call_id: toolCallId, output: '订单 A123' }],
    })
    expect(sim.chat(chat.id)!.requiredAction).toBeUndefined()
    expect((await retrieve(chat)).body.data.required_action).toBeUndefined()
    expect(submitted).toEqual([body])
    expect(sim.stats.submitToolOutputsCalls).toBe(1)
  })

  it('should call a function before any answer, and answer JSON Chat to stream:false with the output quoted', async () => {
    const question = '我的订单 [[sim:tool=my_orders]]'
    const es = await streamed(question)
    expect(es.map((e) => e.event)).toEqual([
      'conversation.chat.created',
      'conversation.chat.in_progress',
      'conversation.chat.requires_action',
      'done',
    ])
    const chat = es[2]!.data
    const call0 = chat.required_action.submit_tool_outputs.tool_calls[0]
    expect(call0).toEqual({
      id: expect.any(String),
      type: 'function',
      function: { name: 'my_orders', arguments: JSON.stringify({ query: '我的订单' }) },
    })
    expect(sim.chat(chat.id)!.requiredAction!.toolCalls[0]).toMatchObject({ name: 'my_orders' })
    const output = '{"orders":[]}'
    const r = await call(sim, 'POST', submitPath(chat), {
      tool_outputs: [{ tool_call_id: call0.id, output }],
    })
    expect(r.body).toMatchObject({ code: 0, data: { id: chat.id, status: 'in_progress' } })
    await expect.poll(() => sim.chat(chat.id)?.status).toBe('completed')
    expect(sim.chat(chat.id)!.answer).toBe(sim.answerFor(question, output).text)
    expect(JSON.stringify(sim.chat(chat.id))).toContain('{\\"orders\\":[]}')
  })

  it('should refuse a wrong tool_call_id, a second submit, and a chat not waiting (4000), and cancel with 4104', async () => {
    const es = await streamed('工具 [[sim:tool=lookup]]')
    const chat = es.at(-2)!.data
    const id = chat.required_action.submit_tool_outputs.tool_calls[0].id
    const submit = (toolCallId: string) =>
      call(sim, 'POST', submitPath(chat), {
        stream: false,
        tool_outputs: [{ tool_call_id: toolCallId, output: 'x' }],
      })
    expect((await submit('7000000000000000000')).body).toMatchObject({
      code: 4000,
      detail: { logid: expect.any(String) },
    })
    const cancel = await call(sim, 'POST', '/v3/chat/cancel', {
      conversation_id: chat.conversation_id,
      chat_id: chat.id,
    })
    expect(cancel.body.code).toBe(4104)
    expect((await submit(id)).body.code).toBe(0)
    expect((await submit(id)).body.code).toBe(4000)
    expect(sim.chat(chat.id)!.toolOutputs).toHaveLength(1)
    const plain = (await call(sim, 'POST', '/v3/chat', chatBody('普通', { stream: false }))).body.data
    expect(
      (await call(sim, 'POST', submitPath(plain), { tool_outputs: [{ tool_call_id: id, output: 'x' }] })).body
        .code,
    ).toBe(4000)
    expect((await call(sim, 'POST', submitPath({ ...plain, id: '1' }), { tool_outputs: [] })).body.code).toBe(
      4001,
    )
    expect((await call(sim, 'POST', submitPath({ ...plain, conversation_id: '1' }), {})).body.code).toBe(4002)
    expect((await call(sim, 'POST', submitPath(chat), { tool_outputs: 'x' })).body.code).toBe(4000)
  })

  it('should not block the conversation while a chat waits in requires_action (UNVERIFIED choice)', async () => {
    const es = await streamed('问 [[sim:ask]]')
    const waiting = es.at(-2)!.data
    const next = await call(
      sim,
      'POST',
      `/v3/chat?conversation_id=${waiting.conversation_id}`,
      chatBody('换个问题', { stream: false }),
    )
    expect(next.body).toMatchObject({ code: 0, data: { status: 'in_progress' } })
    expect(sim.chat(waiting.id)!.status).toBe('requires_action')
  })
})

describe('disconnects (§9 row 8)', () => {
  it('should destroy the socket after n deltas and fail the chat at Coze for drop-fail-after', async () => {
    const question = '断开失败 [[sim:drop-fail-after=3,tokens=20]]'
    const s = await openStream(sim, chatBody(question))
    expect(await s.finished).toBe('cut')
    const names = eventNames(s.text())
    expect(names.filter((n) => n === 'conversation.message.delta')).toHaveLength(
      3 + sim.answerFor(question).reasoningChunks.length,
    )
    expect(names).not.toContain('conversation.chat.failed')
    const chat = JSON.parse(parseSse(s.text().slice(0, s.text().indexOf('\n\n') + 2))[0]!.data)
    await expect.poll(() => sim.chat(chat.id)?.status).toBe('failed')
    expect((await retrieve(chat)).body.data).toMatchObject({
      status: 'failed',
      last_error: { code: 5000, msg: 'event interval error' },
    })
    expect(sim.chat(chat.id)!.answer).toBe(sim.answerFor(question).chunks.slice(0, 3).join(''))
  })

  it('should finish a dropped chat at Coze (drop-after) and answer 4016 in its conversation until it ends', async () => {
    const question = '断开继续 [[sim:drop-after=2,tokens=60,tps=50]]'
    const s = await openStream(sim, chatBody(question))
    expect(await s.finished).toBe('cut')
    const chat = JSON.parse(parseSse(s.text().slice(0, s.text().indexOf('\n\n') + 2))[0]!.data)
    const again = () =>
      call(
        sim,
        'POST',
        `/v3/chat?conversation_id=${chat.conversation_id}`,
        chatBody('再问', { stream: false }),
      )
    expect((await again()).body).toMatchObject({ code: 4016, msg: COZE_TEXTS[4016] })
    await expect.poll(() => sim.chat(chat.id)?.status, { timeout: 10_000 }).toBe('completed')
    expect(sim.chat(chat.id)!.answer).toBe(sim.answerFor(question).text)
    expect((await again()).body.code).toBe(0)
  })
})
