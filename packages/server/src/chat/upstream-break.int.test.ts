/**
 * Issue 18, Must show 6: a broken or idle upstream is not a failed answer (coze-protocol §9 row 8,
 * SPEC §2.7). Coze finishes a chat whose stream we lost; the service asks Coze how it ended
 * (chat/after-break.ts) and delivers the rest. A plain SSE client on MariaDB + Redis against coze-sim.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BOT_ID, PAT, startStack, type Stack } from '../../test/harness'
import { answerOf, type StreamResult } from '../../test/sse-client'

const messageIdOf = (r: StreamResult) => (r.events[0]!.data as { messageId: string }).messageId
const conversationIdOf = (r: StreamResult) => (r.events[0]!.data as { conversationId: string }).conversationId

describe('a broken or idle upstream (mysql)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({
      backend: 'mysql',
      env: { UPSTREAM_IDLE_TIMEOUT_MS: '1000', RECOVERY_POLL_MS: '50' },
    })
  })
  afterAll(() => stack?.close())

  // tps keeps Coze's chat running well after the break: giving up early would leave it running,
  // and the next send would meet 4016.
  it.each([
    ['dropped', '掉线也要答完 [[sim:drop-after=5,tokens=40,tps=50]]'],
    ['idle', '卡住也要答完 [[sim:stall-after=5,tokens=60,tps=20]]'],
  ])('should end a %s stream with Coze’s full answer and done, archived completed', async (_, q) => {
    const user = await stack.newUser()
    const r = await stack.chat(user.token, { message: q })
    const expected = stack.sim.answerFor(q)
    expect(r.status).toBe(200)
    expect(r.events.at(-1)).toMatchObject({
      event: 'done',
      data: {
        status: 'completed',
        usage: { inputTokens: expected.usage.input_count, outputTokens: expected.usage.output_count },
      },
    })
    expect(r.events.filter((e) => e.event === 'error')).toEqual([])
    expect(answerOf(r.events)).toBe(expected.text)
    expect(r.events.find((e) => e.event === 'suggestions')?.data).toEqual({ items: expected.followUps })
    expect(await stack.store.getMessage(user.userId, messageIdOf(r))).toMatchObject({
      status: 'completed',
      answer: expected.text,
      errorCode: null,
    })

    const next = await stack.chat(user.token, { message: '接着问', conversationId: conversationIdOf(r) })
    expect(next.status).toBe(200)
    expect(next.events.at(-1)?.event).toBe('done')
  })

  it('should fail with Coze’s last_error when the chat fails at Coze after the drop', async () => {
    const user = await stack.newUser()
    const r = await stack.chat(user.token, {
      message: '掉线后失败 [[sim:drop-after=3,fail=10,tokens=30,tps=50]]',
    })
    expect(r.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'UPSTREAM_ERROR' } })
    const row = await stack.store.getMessage(user.userId, messageIdOf(r))
    expect(row).toMatchObject({ status: 'failed', errorCode: 'UPSTREAM_ERROR', cozeCode: 5000 })
    expect(row?.answer).toBe(answerOf(r.events))

    const next = await stack.chat(user.token, { message: '再问一次', conversationId: conversationIdOf(r) })
    expect(next.events.at(-1)?.event).toBe('done')
  })

  it('should wait out Coze’s 4016 at send for a chat our side no longer follows, then answer', async () => {
    const user = await stack.newUser()
    const first = await stack.chat(user.token, { message: '第一问' })
    const conversationId = conversationIdOf(first)
    // A chat in this conversation that no instance follows (one that gave up on it, or died).
    const res = await fetch(`${stack.sim.url}/v3/chat?conversation_id=${conversationId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PAT}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        bot_id: BOT_ID,
        user_id: 'someone',
        stream: false,
        additional_messages: [
          {
            role: 'user',
            type: 'question',
            content: '无人跟进 [[sim:tokens=30,tps=60]]',
            content_type: 'text',
          },
        ],
      }),
    })
    const orphan = ((await res.json()) as { data: { id: string } }).data
    expect(stack.sim.chat(orphan.id)?.status).not.toBe('completed')

    const next = await stack.chat(user.token, { message: '第二问', conversationId })
    expect(next.status).toBe(200)
    expect(next.events.at(-1)?.event).toBe('done')
    expect(stack.sim.chat(orphan.id)?.status).toBe('completed')
  })
})
