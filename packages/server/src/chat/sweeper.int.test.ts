/** Issue 5 "Must show" 6: rows left `in_progress` with no live lease are reconciled by the sweeper. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { startStack, type Stack } from '../../test/harness'

let stack: Stack
beforeAll(async () => {
  stack = await startStack({ backend: 'mysql' })
})
afterAll(() => stack?.close())

const orphan = (userId: string, conversationId: string, askedAt: number) => ({
  id: randomUUID(),
  userId,
  conversationId,
  sessionId: 'crashed-session',
  clientMessageId: null,
  question: '没人管的问题',
  clientIp: null,
  userAgent: null,
  askedAt,
})

describe('sweeper', () => {
  it('should archive interrupted an old orphan that never reached Coze', async () => {
    const user = await stack.newUser()
    const first = await stack.chat(user.token, { message: '先建一个对话' })
    const { conversationId } = first.events[0]!.data as { conversationId: string }
    const row = orphan(user.userId, conversationId, Date.now() - 3600_000)
    await stack.store.insertQuestion(row)
    expect(await stack.services.sweeper.sweepOnce()).toBeGreaterThan(0)
    await expect
      .poll(async () => (await stack.store.getMessage(user.userId, row.id))?.status, { timeout: 10_000 })
      .toBe('interrupted')
  })

  it('should complete an orphan from Coze when Coze finished its chat', async () => {
    const user = await stack.newUser()
    const question = '恢复这个回答'
    const first = await stack.chat(user.token, { message: question })
    const { conversationId, messageId } = first.events[0]!.data as {
      conversationId: string
      messageId: string
    }
    const live = (await stack.store.getMessage(user.userId, messageId))!
    const chatId = live.cozeChatId!
    const row = orphan(user.userId, conversationId, Date.now() - 3600_000)
    await stack.store.insertQuestion(row)
    await stack.store.setCozeChatId(row.id, chatId)
    await stack.services.sweeper.sweepOnce()
    await expect
      .poll(async () => (await stack.store.getMessage(user.userId, row.id))?.status, { timeout: 10_000 })
      .toBe('completed')
    expect(await stack.store.getMessage(user.userId, row.id)).toMatchObject({
      answer: stack.sim.answerFor(question).text,
      cozeMessageId: live.cozeMessageId, // Coze's answer message, for feedback
    })
    expect(live.cozeMessageId).toBeTruthy()
  })

  it('should leave alone an answer whose instance is alive', async () => {
    const user = await stack.newUser()
    const first = await stack.chat(user.token, { message: '活着的实例' })
    const { conversationId } = first.events[0]!.data as { conversationId: string }
    const row = orphan(user.userId, conversationId, Date.now() - 3600_000)
    await stack.store.insertQuestion(row)
    await stack.services.running.claim(row.id, () => undefined)
    await stack.services.sweeper.sweepOnce()
    await new Promise((r) => setTimeout(r, 300))
    expect((await stack.store.getMessage(user.userId, row.id))?.status).toBe('in_progress')
    await stack.services.running.release(row.id)
  })
})
