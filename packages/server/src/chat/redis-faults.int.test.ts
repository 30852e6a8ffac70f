/**
 * Issue 19, Must show 1 (Redis part): every stream ends whatever Redis does. The service reaches the
 * real Redis through a TCP proxy that cuts or stalls it while an answer finishes: the widget still gets
 * `done`, the conversation is free for the next send once Redis is back, and a drain ends.
 */
import { describe, expect, it } from 'vitest'
import { useStackBehindFaultProxy } from '../../test/faulty-stack'
import { answerOf, readStream, type ReceivedEvent } from '../../test/sse-client'

const metaOf = (events: ReceivedEvent[]) => events[0]!.data as { messageId: string; conversationId: string }

describe('Redis faults while an answer ends (mysql)', () => {
  const t = useStackBehindFaultProxy('redis')

  /** After a Redis fault the S2S rate limit refuses until it sees Redis again: ask until it does. */
  async function newUserOnceLimitsAreBack() {
    for (let i = 0; ; i++) {
      try {
        return await t.stack.newUser()
      } catch (err) {
        if (i > 100) throw err
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }

  /** Sends, and once `after` deltas arrived puts Redis into `mode` until the stream ends. */
  async function answerThrough(mode: 'cut' | 'stall', token: string, body: Record<string, unknown>) {
    let deltas = 0
    const res = await t.stack.send(token, body)
    const r = await readStream(res, {
      onEvent: (e) => {
        if (e.event === 'delta' && ++deltas === 3) t.proxy.set(mode)
      },
    })
    t.proxy.set('pass')
    return r
  }

  it.each(['cut', 'stall'] as const)(
    'should deliver done when Redis is %s at the end, then free the conversation',
    async (mode) => {
      const user = await t.stack.newUser()
      const question = `Redis 故障 ${mode} [[sim:tps=40,tokens=30]]`
      const r = await answerThrough(mode, user.token, { message: question })
      expect(r.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed' } })
      expect(answerOf(r.events)).toBe(t.stack.sim.answerFor(question).text)
      const { messageId, conversationId } = metaOf(r.events)
      expect(await t.stack.store.getMessage(user.userId, messageId)).toMatchObject({ status: 'completed' })

      // Redis is back: the lock the lost unlock left behind is stale, and the next send goes through.
      const next = await readStream(await t.stack.send(user.token, { message: '接着问', conversationId }))
      expect(next.status).toBe(200)
      expect(next.events.at(-1)).toMatchObject({ event: 'done' })
    },
  )

  it('should answer 503 DEPENDENCY_UNAVAILABLE with Retry-After while Redis is cut, then work again', async () => {
    const user = await newUserOnceLimitsAreBack()
    t.proxy.set('cut')
    try {
      const r = await t.stack.send(user.token, { message: '你好' })
      expect(r.status).toBe(503)
      expect(r.headers.get('retry-after')).toBe('5')
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('DEPENDENCY_UNAVAILABLE')
    } finally {
      t.proxy.set('pass')
    }
    const again = await readStream(await t.stack.send(user.token, { message: '恢复了吗' }))
    expect(again.events.at(-1)?.event).toBe('done')
  })

  it('should drain to zero after an answer that ended during a Redis cut', async () => {
    const user = await t.stack.newUser()
    const r = await answerThrough('cut', user.token, { message: '排空 [[sim:tps=40,tokens=20]]' })
    expect(r.events.at(-1)?.event).toBe('done')
    await t.stack.services.drain() // resolves only once no answer is held
    expect(t.stack.services.running.size).toBe(0)
  })
})
