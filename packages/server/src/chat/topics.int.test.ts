/**
 * Issue 21 on MariaDB + Redis against the sim: the welcome (`GET /api/chat/welcome`, Coze's bot info,
 * cached in Redis, never a failure) and "new topic" (`POST /api/chat/clear`: owner only, refused while
 * an answer runs, Coze's conversation gets a new section).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BOT_ID, startStack, type Stack } from '../../test/harness'
import { readStream, type ReceivedEvent } from '../../test/sse-client'
import { keys } from '../core/kv/keys'

const metaOf = (events: ReceivedEvent[]) => events[0]!.data as { messageId: string; conversationId: string }

describe('welcome and new topic (mysql)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({
      backend: 'mysql',
      sim: { bot: { prologue: '你好，**欢迎**！', suggestedQuestions: ['能做什么？', '怎么退货？'] } },
    })
  })
  afterAll(() => stack?.close())

  const get = (path: string, token?: string) =>
    fetch(`${stack.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  const clear = (token: string, body: unknown) =>
    fetch(`${stack.url}/api/chat/clear`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const botReads = () => stack.sim.requests.filter((r) => r.path.startsWith('/v1/bots/')).length

  describe('GET /api/chat/welcome', () => {
    it("should answer the bot's prologue and questions, then the cached copy", async () => {
      const user = await stack.newUser()
      expect((await get('/api/chat/welcome')).status).toBe(401)
      const before = botReads()
      const res = await get('/api/chat/welcome', user.token)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({
        prologue: '你好，**欢迎**！',
        questions: ['能做什么？', '怎么退货？'],
      })
      const again = await (await get('/api/chat/welcome', user.token)).json()
      expect(again).toEqual({ prologue: '你好，**欢迎**！', questions: ['能做什么？', '怎么退货？'] })
      expect(botReads()).toBe(before + 1)
      // Shared by every instance through Redis, for a day at most (fresh for 5 minutes).
      const ttl = await stack.kv.pttl(keys.welcome(BOT_ID))
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(24 * 3600_000)
    })

    it('should answer the last copy while Coze refuses, and an empty welcome with none', async () => {
      const user = await stack.newUser()
      const stale = { prologue: '旧的欢迎语', questions: ['旧问题'], at: 0 }
      await stack.kv.set(keys.welcome(BOT_ID), JSON.stringify(stale), { ttlMs: 60_000 })
      stack.sim.faults.denyApi('retrieveBot', true)
      try {
        const res = await get('/api/chat/welcome', user.token)
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual({ prologue: '旧的欢迎语', questions: ['旧问题'] })
        await stack.kv.del(keys.welcome(BOT_ID))
        const none = await get('/api/chat/welcome', user.token)
        expect(none.status).toBe(200)
        expect(await none.json()).toEqual({ prologue: '', questions: [] })
        expect((await get('/readyz')).status).toBe(200) // one API refused is no outage
      } finally {
        stack.sim.faults.denyApi('retrieveBot', false)
      }
    })
  })

  describe('POST /api/chat/clear', () => {
    it("should start a new section in the user's conversation and keep the history", async () => {
      const user = await stack.newUser()
      const first = await stack.chat(user.token, { message: '第一个问题' })
      const { conversationId } = metaOf(first.events)
      const res = await clear(user.token, { conversationId })
      expect(res.status).toBe(200)
      const body = (await res.json()) as { conversationId: string; sectionId: string }
      expect(body.conversationId).toBe(conversationId)
      expect(body.sectionId).toMatch(/^\d+$/)
      const cleared = stack.sim.requests.filter((r) => r.path === `/v1/conversations/${conversationId}/clear`)
      expect(cleared).toHaveLength(1)
      const next = await stack.chat(user.token, { message: '新话题的问题', conversationId })
      expect(next.events.at(-1)).toMatchObject({ event: 'done' })
      const history = (await (
        await get(`/api/chat/history?conversationId=${conversationId}`, user.token)
      ).json()) as { items: { question: string; newTopicAt?: string }[] }
      expect(history.items.map((i) => i.question)).toEqual(['新话题的问题', '第一个问题'])
      // The boundary is archived: a reload shows the new topic beginning after the first question.
      expect(history.items[0]!.newTopicAt).toBeUndefined()
      expect(Date.parse(history.items[1]!.newTopicAt!)).toBeGreaterThan(0)
    })

    it("should answer 404 for someone else's conversation and 400 for a bad body, never asking Coze", async () => {
      const owner = await stack.newUser()
      const other = await stack.newUser()
      const { conversationId } = metaOf((await stack.chat(owner.token, { message: '我的对话' })).events)
      const before = stack.sim.requests.length
      const res = await clear(other.token, { conversationId })
      expect(res.status).toBe(404)
      expect(await res.json()).toMatchObject({ error: { code: 'CONVERSATION_NOT_FOUND' } })
      expect((await clear(other.token, { conversationId: 'no such id!' })).status).toBe(400)
      expect((await clear(other.token, {})).status).toBe(400)
      expect(stack.sim.requests.length).toBe(before)
    })

    it('should refuse with 409 while an answer runs in the conversation, and clear once it ended', async () => {
      const user = await stack.newUser()
      const { conversationId } = metaOf((await stack.chat(user.token, { message: '开始' })).events)
      let refused: Promise<Response> | undefined
      const slow = await readStream(
        await stack.send(user.token, { message: '请慢慢回答 [[sim:tps=20]]', conversationId }),
        {
          onEvent: (_e, all) => {
            if (all.length === 3) refused = clear(user.token, { conversationId })
          },
        },
      )
      const busy = await refused!
      expect(busy.status).toBe(409)
      expect(await busy.json()).toMatchObject({
        error: { code: 'CONVERSATION_BUSY', messageId: metaOf(slow.events).messageId },
      })
      expect(slow.events.at(-1)).toMatchObject({ event: 'done' })
      expect((await clear(user.token, { conversationId })).status).toBe(200)
    })

    it('should hold the conversation while Coze clears: a send meanwhile gets 409, one after is answered', async () => {
      const user = await stack.newUser()
      const { conversationId } = metaOf((await stack.chat(user.token, { message: '开始' })).events)
      const chatCalls = stack.sim.stats.chatCalls
      stack.sim.faults.latencyMs(5_000) // Coze's clear takes its time (the steps below take ms)
      let clearing: Promise<Response> | undefined
      try {
        clearing = clear(user.token, { conversationId })
        const lock = keys.conversationBusy(conversationId)
        await expect.poll(() => stack.kv.get(lock), { timeout: 10_000 }).toMatch(/^topic:/)
        const busy = await stack.chat(user.token, { message: '插队', conversationId })
        expect(busy.status).toBe(409)
        const { error } = busy.body as { error: { code: string; messageId?: string } }
        expect(error.code).toBe('CONVERSATION_BUSY')
        expect(error.messageId).toBeUndefined() // nothing to attach to: no answer runs
        expect(stack.sim.stats.chatCalls).toBe(chatCalls)
        expect((await clear(user.token, { conversationId })).status).toBe(409) // one clear at a time
      } finally {
        stack.sim.faults.latencyMs(0)
      }
      expect((await clearing!).status).toBe(200)
      expect(await stack.kv.get(keys.conversationBusy(conversationId))).toBeNull()
      const next = await stack.chat(user.token, { message: '新话题', conversationId })
      expect(next.events.at(-1)).toMatchObject({ event: 'done' })
    })
  })
})
