import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { call, chatBody, startTestSim } from './test-support'
import type { CozeSim } from './types'

let sim: CozeSim
beforeEach(async () => {
  sim = await startTestSim()
})
afterEach(() => sim.close())

async function conversationWithTurns(turns: number): Promise<string> {
  const id = (await call(sim, 'POST', '/v1/conversation/create', {})).body.data.id
  for (let i = 0; i < turns; i++) {
    const chat = (
      await call(sim, 'POST', `/v3/chat?conversation_id=${id}`, chatBody(`第${i}问`, { stream: false }))
    ).body.data
    await expect.poll(() => sim.chat(chat.id)?.status).toBe('completed')
  }
  return id
}

const list = (id: string, body: unknown = {}) =>
  call(sim, 'POST', `/v1/conversation/message/list?conversation_id=${id}`, body)

describe('POST /v1/conversation/create', () => {
  it('should answer id, created_at, meta_data and last_section_id', async () => {
    const r = await call(sim, 'POST', '/v1/conversation/create', { meta_data: { k: 'v' }, bot_id: '123' })
    expect(r.body).toEqual({
      code: 0,
      msg: '',
      data: {
        id: expect.stringMatching(/^\d{19}$/),
        created_at: expect.any(Number),
        meta_data: { k: 'v' },
        last_section_id: expect.stringMatching(/^\d{19}$/),
      },
    })
    expect(sim.stats.conversationCreates).toBe(1)
  })

  it('should keep bot_id and a name of at most 100 characters, and answer 4000 for a longer one', async () => {
    const name = '名'.repeat(100)
    const r = await call(sim, 'POST', '/v1/conversation/create', { bot_id: '123', name })
    expect(sim.conversation(r.body.data.id)).toMatchObject({ botId: '123', name })
    const long = await call(sim, 'POST', '/v1/conversation/create', { bot_id: '123', name: `${name}x` })
    expect(long.body).toMatchObject({ code: 4000, detail: { logid: expect.any(String) } })
    expect((await call(sim, 'POST', '/v1/conversation/create', { name: 7 })).body.code).toBe(4000)
  })

  it('should accept an empty body and keep initial messages', async () => {
    expect((await call(sim, 'POST', '/v1/conversation/create')).body.code).toBe(0)
    const messages = [{ role: 'user', content: '之前的问题', content_type: 'text' }]
    const id = (await call(sim, 'POST', '/v1/conversation/create', { messages })).body.data.id
    expect((await list(id)).body.data.map((m: { content: string }) => m.content)).toEqual(['之前的问题'])
  })

  it('should answer 4000 for a bad meta_data', async () => {
    expect((await call(sim, 'POST', '/v1/conversation/create', { meta_data: { k: 1 } })).body.code).toBe(4000)
  })
})

describe('POST /v1/conversation/message/list', () => {
  it('should list questions and answers newest first with first_id/last_id/has_more beside data', async () => {
    const id = await conversationWithTurns(2)
    const r = await list(id)
    expect(r.body).toMatchObject({ code: 0, msg: '', has_more: false })
    const data = r.body.data as { id: string; type: string; content: string }[]
    expect(data.map((m) => m.type)).toEqual(['answer', 'question', 'answer', 'question'])
    expect(data[1]!.content).toBe('第1问')
    expect(r.body.first_id).toBe(data[0]!.id)
    expect(r.body.last_id).toBe(data[3]!.id)
  })

  it('should page with limit and before_id, and honour order asc', async () => {
    const id = await conversationWithTurns(2)
    const all = (await list(id)).body.data.map((m: { id: string }) => m.id)
    const first = await list(id, { limit: 3 })
    expect(first.body.data.map((m: { id: string }) => m.id)).toEqual(all.slice(0, 3))
    expect(first.body.has_more).toBe(true)
    const rest = await list(id, { limit: 3, before_id: first.body.last_id })
    expect(rest.body.data.map((m: { id: string }) => m.id)).toEqual(all.slice(3))
    expect(rest.body.has_more).toBe(false)
    const asc = await list(id, { order: 'asc', after_id: all[2] })
    expect(asc.body.data.map((m: { id: string }) => m.id)).toEqual(all.slice(0, 2).reverse())
  })

  it('should answer 4002 for an unknown conversation and 4000 for a bad limit', async () => {
    expect((await list('7000000000000000000')).body.code).toBe(4002)
    const id = await conversationWithTurns(0)
    expect((await list(id, { limit: 51 })).body.code).toBe(4000)
  })
})
