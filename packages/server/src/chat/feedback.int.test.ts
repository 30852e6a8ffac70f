/**
 * Issue 21 on MariaDB + Redis against the sim: `POST /api/chat/feedback` (SPEC §2.4) archives the
 * user's rating with the answer, passes it to Coze's message feedback API with Coze's own answer
 * message id, keeps it when Coze refuses (`forwarded: false`, counted), and 404s someone else's answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../test/harness'
import type { ReceivedEvent } from '../../test/sse-client'

const metaOf = (events: ReceivedEvent[]) => events[0]!.data as { messageId: string; conversationId: string }

describe('POST /api/chat/feedback (mysql)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ backend: 'mysql' })
  })
  afterAll(() => stack?.close())

  const rate = (token: string, body: unknown) =>
    fetch(`${stack.url}/api/chat/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const historyOf = async (token: string, conversationId: string) =>
    (await (
      await fetch(`${stack.url}/api/chat/history?conversationId=${conversationId}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { items: { messageId: string; feedback?: string }[] }

  /** Coze's answer message id, archived with the answer (older rows: by the first rating). */
  async function cozeAnswerOf(userId: string, messageId: string) {
    const cozeId = (await stack.store.getMessage(userId, messageId))?.cozeMessageId
    expect(cozeId).toMatch(/^\d+$/)
    return cozeId!
  }

  it("should archive a like, pass it to Coze with Coze's answer id, and show it in history", async () => {
    const user = await stack.newUser()
    const answer = await stack.chat(user.token, { message: '你好' })
    const { messageId, conversationId } = metaOf(answer.events)
    const cozeId = await cozeAnswerOf(user.userId, messageId) // captured while the answer streamed
    const lookups = () => stack.sim.requests.filter((r) => r.path.startsWith('/v3/chat/message/list')).length
    const before = lookups()

    const res = await rate(user.token, { messageId, rating: 'like' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ messageId, rating: 'like', forwarded: true })
    expect(lookups()).toBe(before) // no round trip to Coze's message list at rating time
    expect(stack.sim.feedback(cozeId)).toMatchObject({
      conversationId,
      messageId: cozeId,
      feedbackType: 'like',
    })
    expect(await stack.store.getMessage(user.userId, messageId)).toMatchObject({ feedback: 'like' })
    expect((await historyOf(user.token, conversationId)).items[0]).toMatchObject({
      messageId,
      feedback: 'like',
    })

    // Changed to 👎 with a comment, then removed: Coze follows (DELETE), the archived id is reused.
    const lists = stack.sim.requests.filter((r) => r.path.startsWith('/v3/chat/message/list')).length
    const unlike = await rate(user.token, { messageId, rating: 'unlike', comment: '答非所问' })
    expect(await unlike.json()).toMatchObject({ rating: 'unlike', forwarded: true })
    expect(stack.sim.feedback(cozeId)).toMatchObject({ feedbackType: 'unlike', comment: '答非所问' })
    expect(await stack.store.getMessage(user.userId, messageId)).toMatchObject({
      feedback: 'unlike',
      feedbackComment: '答非所问',
    })
    expect(await (await rate(user.token, { messageId, rating: null })).json()).toMatchObject({
      forwarded: true,
    })
    expect(stack.sim.feedback(cozeId)).toBeUndefined()
    expect((await historyOf(user.token, conversationId)).items[0]!.feedback).toBeUndefined()
    expect(stack.sim.requests.filter((r) => r.path.startsWith('/v3/chat/message/list'))).toHaveLength(lists)
  })

  it('should keep the rating when Coze refuses it, and count it', async () => {
    const user = await stack.newUser()
    const { messageId } = metaOf((await stack.chat(user.token, { message: '再问一次' })).events)
    stack.sim.faults.denyApi('messageFeedback', true)
    try {
      const res = await rate(user.token, { messageId, rating: 'unlike' })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ messageId, rating: 'unlike', forwarded: false })
      expect(await stack.store.getMessage(user.userId, messageId)).toMatchObject({ feedback: 'unlike' })
      const metrics = await (await fetch(`${stack.url}/metrics`)).text()
      expect(metrics).toMatch(/^vc_feedback_forward_failures_total\{code="UPSTREAM_FORBIDDEN"\} 1$/m)
    } finally {
      stack.sim.faults.denyApi('messageFeedback', false)
    }
  })

  it("should answer 404 for someone else's answer and 400 for a bad rating", async () => {
    const owner = await stack.newUser()
    const other = await stack.newUser()
    const { messageId } = metaOf((await stack.chat(owner.token, { message: '我的问题' })).events)
    const res = await rate(other.token, { messageId, rating: 'like' })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: 'MESSAGE_NOT_FOUND' } })
    expect((await stack.store.getMessage(owner.userId, messageId))?.feedback).toBeNull()
    expect((await rate(owner.token, { messageId, rating: 'dislike' })).status).toBe(400)
    expect((await rate(owner.token, { messageId: 'nope', rating: 'like' })).status).toBe(404)
  })
})
