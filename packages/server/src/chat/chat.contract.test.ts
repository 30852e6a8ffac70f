/**
 * The full chat flow, run on every backend (real MySQL + Redis, and the embedded SQLite + in-process
 * default): session → Chinese question → events in order → archived answer equal to what Coze sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack, type StackOptions } from '../../test/harness'
import { answerOf, readStream } from '../../test/sse-client'
import type { StreamEvent } from '../core/wire'
import { positioned } from './event-id'

export function runChatContract(backend: StackOptions['backend']) {
  describe(`chat flow (${backend})`, () => {
    let stack: Stack
    beforeAll(async () => {
      stack = await startStack({ backend })
    })
    afterAll(() => stack?.close())

    it('should stream the answer in order and archive it byte for byte', async () => {
      const user = await stack.newUser()
      const question = '请介绍一下火山引擎的工业互联网平台，并给出一个示例代码。'
      const r = await stack.chat(user.token, { message: question })
      expect(r.status).toBe(200)
      expect(r.headers.get('x-accel-buffering')).toBe('no')
      const [meta, ...rest] = r.events
      expect(meta?.event).toBe('meta')
      const { messageId, conversationId } = meta!.data as { messageId: string; conversationId: string }
      // Ids name the answer's position (issue 19): text units so far, one per other event.
      const ids = positioned(r.events as StreamEvent[]).map((e) => `${messageId}:${e.seq}`)
      expect(r.events.map((e) => e.id)).toEqual(ids)
      expect(rest.at(-1)?.event).toBe('done')
      expect(rest.filter((e) => e.event === 'delta').length).toBeGreaterThan(1)

      const expected = stack.sim.answerFor(question)
      expect(answerOf(r.events)).toBe(expected.text)
      const row = await stack.store.getMessage(user.userId, messageId)
      expect(row).toMatchObject({ status: 'completed', question, answer: expected.text, conversationId })
      expect(Buffer.from(row!.answer).equals(Buffer.from(expected.text))).toBe(true)
      expect(row!.outputTokens).toBeGreaterThan(0)
      expect(row!.firstTokenAt).toBeGreaterThanOrEqual(row!.askedAt)
      expect(row!.finishedAt).toBeGreaterThanOrEqual(row!.firstTokenAt!)
      expect(row!.cozeChatId).toBeTruthy()
    })

    it('should continue a conversation and list it in history, newest first', async () => {
      const user = await stack.newUser()
      const first = await stack.chat(user.token, { message: '第一个问题' })
      const { conversationId } = first.events[0]!.data as { conversationId: string }
      const second = await stack.chat(user.token, { message: '第二个问题', conversationId })
      expect(second.events.at(-1)?.event).toBe('done')
      expect((second.events[0]!.data as { conversationId: string }).conversationId).toBe(conversationId)

      const auth = { authorization: `Bearer ${user.token}` }
      const history = (await (
        await fetch(`${stack.url}/api/chat/history?conversationId=${conversationId}&limit=1`, {
          headers: auth,
        })
      ).json()) as {
        items: { question: string; status: string }[]
        nextBefore: string | null
      }
      expect(history.items.map((i) => i.question)).toEqual(['第二个问题'])
      const older = (await (
        await fetch(
          `${stack.url}/api/chat/history?conversationId=${conversationId}&before=${history.nextBefore}`,
          { headers: auth },
        )
      ).json()) as { items: { question: string }[] }
      expect(older.items.map((i) => i.question)).toEqual(['第一个问题'])
      const convs = (await (
        await fetch(`${stack.url}/api/chat/conversations`, { headers: auth })
      ).json()) as {
        items: { conversationId: string }[]
      }
      expect(convs.items.map((c) => c.conversationId)).toEqual([conversationId])
    })

    it("should give back an answer's reasoning and follow-up suggestions in history (issue 21)", async () => {
      const user = await stack.newUser()
      const question = '解释一下 [[sim:reasoning]]'
      const r = await stack.chat(user.token, { message: question })
      expect(r.events.at(-1)?.event).toBe('done')
      const { conversationId } = r.events[0]!.data as { conversationId: string }
      const reasoning = r.events
        .filter((e) => e.event === 'reasoning')
        .map((e) => (e.data as { text: string }).text)
        .join('')
      const chips = r.events.find((e) => e.event === 'suggestions')?.data as { items: string[] } | undefined
      expect(reasoning).toBe(stack.sim.answerFor(question).reasoning)
      expect(chips?.items.length).toBeGreaterThan(0)

      const history = (await (
        await fetch(`${stack.url}/api/chat/history?conversationId=${conversationId}`, {
          headers: { authorization: `Bearer ${user.token}` },
        })
      ).json()) as { items: { reasoning?: string; suggestions?: string[] }[] }
      expect(history.items[0]).toMatchObject({ reasoning, suggestions: chips!.items })
    })

    it('should keep Chinese intact when Coze cuts characters and lines across TCP writes', async () => {
      const user = await stack.newUser()
      const question = '分段测试：多字节字符 🙂 [[sim:split]]'
      const r = await stack.chat(user.token, { message: question })
      expect(r.events.at(-1)?.event).toBe('done')
      expect(answerOf(r.events)).toBe(stack.sim.answerFor(question).text)
    })

    it('should still archive the answer when the widget disconnects mid-stream', async () => {
      const user = await stack.newUser()
      const question = '断开测试 [[sim:tps=50]]'
      const ac = new AbortController()
      const res = await stack.send(user.token, { message: question }, { signal: ac.signal })
      const partial = await readStream(res, { stopAfter: 3 })
      ac.abort()
      const { messageId } = partial.events[0]!.data as { messageId: string }
      const { userId } = user
      await expect
        .poll(async () => (await stack.store.getMessage(userId, messageId))?.status, { timeout: 20_000 })
        .toBe('completed')
      expect((await stack.store.getMessage(userId, messageId))?.answer).toBe(
        stack.sim.answerFor(question).text,
      )
    })
  })
}
