/** What happens when Coze, the network or the caller misbehave (issue: core "Must show" 5–7). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../test/harness'
import { answerOf, readStream } from '../../test/sse-client'
import type { Store } from '../store/types'

const errorOf = (body: unknown) => (body as { error: { code: string; messageId?: string } }).error

describe('upstream failures (mysql)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ backend: 'mysql', env: { UPSTREAM_IDLE_TIMEOUT_MS: '1500' } })
  })
  afterAll(() => stack?.close())

  // A drop while Coze finishes the chat ends in `done`: upstream-break.int.test.ts.
  it('should end with an error event and archive the partial answer when Coze drops and fails the chat', async () => {
    const user = await stack.newUser()
    const r = await stack.chat(user.token, { message: '掉线测试 [[sim:drop-after=3,fail=10]]' })
    const last = r.events.at(-1)!
    expect(last.event).toBe('error')
    expect((last.data as { code: string }).code).toBe('UPSTREAM_ERROR')
    const partial = answerOf(r.events)
    expect(partial.length).toBeGreaterThan(0)
    const { messageId } = r.events[0]!.data as { messageId: string }
    expect(await stack.store.getMessage(user.userId, messageId)).toMatchObject({
      status: 'failed',
      answer: partial,
      errorCode: 'UPSTREAM_ERROR',
      cozeCode: 5000,
    })
  })

  it('should relay a Coze error event as an error and archive it failed', async () => {
    const user = await stack.newUser()
    const r = await stack.chat(user.token, { message: '错误事件 [[sim:error-event]]' })
    expect(r.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'UPSTREAM_ERROR' } })
  })

  it('should send meta while Coze never answers, then end UPSTREAM_TIMEOUT and archive the question', async () => {
    const user = await stack.newUser()
    const r = await stack.chat(user.token, { message: '无响应 [[sim:hang]]' })
    // Coze slower than the relay's `metaAfterMs` (issue 21: Stop needs the id): the end is an event.
    expect(r.status).toBe(200)
    expect(r.events.map((e) => e.event)).toEqual(['meta', 'error'])
    expect(r.events[1]!.data).toMatchObject({ code: 'UPSTREAM_TIMEOUT' })
    const convs = await stack.store.listConversations(user.userId, 5)
    const rows = await stack.store.listMessages(user.userId, convs[0]!.id, { limit: 5 })
    expect(rows[0]).toMatchObject({ status: 'failed', errorCode: 'UPSTREAM_TIMEOUT' })
  })

  it.each([
    [500, 503, 'UPSTREAM_UNAVAILABLE'],
    [429, 429, 'UPSTREAM_BUSY'], // the sim's 429 carries 4013, a model rate limit (SPEC §2.7)
  ])('should map a Coze HTTP %i to %i %s', async (coze, status, code) => {
    const user = await stack.newUser()
    const r = await stack.chat(user.token, { message: `上游 ${coze} [[sim:http=${coze}]]` })
    expect(r.status).toBe(status)
    expect(errorOf(r.body).code).toBe(code)
  })

  it('should refresh the Coze token once on a 401 and answer normally', async () => {
    const user = await stack.newUser()
    await stack.chat(user.token, { message: '预热' })
    const before = stack.sim.stats.tokenExchanges
    stack.sim.faults.expireAllTokens()
    const r = await stack.chat(user.token, { message: '令牌过期后' })
    expect(r.events.at(-1)?.event).toBe('done')
    expect(stack.sim.stats.tokenExchanges).toBe(before + 1)
  })

  it('should never proxy someone else’s conversation (IDOR → 404)', async () => {
    const alice = await stack.newUser()
    const bob = await stack.newUser()
    const a = await stack.chat(alice.token, { message: '爱丽丝的对话' })
    const { conversationId } = a.events[0]!.data as { conversationId: string }
    const calls = stack.sim.stats.chatCalls
    const r = await stack.chat(bob.token, { message: '偷看', conversationId })
    expect(r.status).toBe(404)
    expect(errorOf(r.body).code).toBe('CONVERSATION_NOT_FOUND')
    expect(stack.sim.stats.chatCalls).toBe(calls)
    const h = await fetch(`${stack.url}/api/chat/history?conversationId=${conversationId}`, {
      headers: { authorization: `Bearer ${bob.token}` },
    })
    expect(((await h.json()) as { items: unknown[] }).items).toEqual([])
  })

  it('should answer 409 CONVERSATION_BUSY with the running messageId', async () => {
    const user = await stack.newUser()
    const first = await stack.chat(user.token, { message: '先来' })
    const { conversationId } = first.events[0]!.data as { conversationId: string }
    // The widget leaves after `meta`; the answer goes on and keeps the conversation busy.
    const running = await readStream(
      await stack.send(user.token, { message: '慢慢说 [[sim:tps=20]]', conversationId }),
      {
        stopAfter: 1,
      },
    )
    const { messageId } = running.events[0]!.data as { messageId: string }
    const busy = await stack.chat(user.token, { message: '插队', conversationId })
    expect(busy.status).toBe(409)
    expect(errorOf(busy.body)).toMatchObject({ code: 'CONVERSATION_BUSY', messageId })
  })

  it('should let the same clientMessageId try again after a refusal before any event', async () => {
    const user = await stack.newUser()
    const body = { message: '重试同一条消息', clientMessageId: 'cm-retry-1' }
    stack.sim.faults.rejectNextAuth(2) // the call and its one refresh-and-retry are both refused
    const refused = await stack.chat(user.token, body)
    expect(refused.status).toBe(503)
    const retried = await stack.chat(user.token, body)
    expect(retried.events.at(-1)?.event).toBe('done')
    const { messageId, conversationId } = retried.events[0]!.data as {
      messageId: string
      conversationId: string
    }
    const rows = await stack.store.listMessages(user.userId, conversationId, { limit: 5 })
    expect(rows.map((r) => [r.status, r.clientMessageId])).toEqual([['completed', 'cm-retry-1']])
    expect(rows[0]!.id).toBe(messageId)
  })

  it('should not ask Coze twice for a repeated clientMessageId', async () => {
    const user = await stack.newUser()
    const body = { message: '幂等', clientMessageId: 'cm-0001' }
    const first = await stack.chat(user.token, body)
    const calls = stack.sim.stats.chatCalls
    const again = await stack.chat(user.token, body)
    expect(stack.sim.stats.chatCalls).toBe(calls)
    expect(again.events[0]!.data).toEqual(first.events[0]!.data)
    expect(answerOf(again.events)).toBe(answerOf(first.events))
    expect(again.events.at(-1)?.event).toBe('done')
  })

  it('should ask Coze once when one instance gets the same clientMessageId twice at once', async () => {
    // The second send finds the reservation before the first has a row: it must see the first's
    // lease as this instance's own, not as an orphan to take over.
    const user = await stack.newUser()
    const body = { message: '同一实例并发 [[sim:tps=100]]', clientMessageId: 'cm-same-instance' }
    const calls = stack.sim.stats.chatCalls
    const [x, y] = await Promise.all([stack.chat(user.token, body), stack.chat(user.token, body)])
    expect(stack.sim.stats.chatCalls).toBe(calls + 1)
    expect(x.events).toEqual(y.events)
    expect(x.events.at(-1)?.event).toBe('done')
  })
})

describe('Coze credentials', () => {
  it('should exchange exactly once for 50 concurrent sends on a cold cache', async () => {
    const stack = await startStack({ backend: 'mysql' })
    try {
      const user = await stack.newUser()
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stack.chat(user.token, { message: `并发 ${i}` })),
      )
      expect(results.every((r) => r.events.at(-1)?.event === 'done')).toBe(true)
      expect(stack.sim.stats.tokenExchanges).toBe(1)
    } finally {
      await stack.close()
    }
  })

  it('should fall back to the PAT when OAuth is misconfigured, and say so', async () => {
    const stack = await startStack({ backend: 'mysql', oauth: 'broken', pat: 'ok' })
    try {
      const user = await stack.newUser()
      const r = await stack.chat(user.token, { message: '用 PAT' })
      expect(r.events.at(-1)?.event).toBe('done')
      expect(stack.logLines.some((l) => l.includes('falling back to the PAT'))).toBe(true)
      const ready = (await (await fetch(`${stack.url}/readyz`)).json()) as { checks: Record<string, string> }
      expect(ready.checks.cozeOauth).toMatch(/using the PAT/)
    } finally {
      await stack.close()
    }
  })

  it('should answer 503 UPSTREAM_UNAVAILABLE when OAuth and the PAT both fail', async () => {
    const stack = await startStack({ backend: 'mysql', oauth: 'broken', pat: 'broken' })
    try {
      const user = await stack.newUser()
      const r = await stack.chat(user.token, { message: '都坏了' })
      expect(r.status).toBe(503)
      expect(errorOf(r.body).code).toBe('UPSTREAM_UNAVAILABLE')
      // Coze is every pod's dependency: reported, but the pod stays ready (issue 19).
      const ready = await fetch(`${stack.url}/readyz`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toMatchObject({
        status: 'degraded',
        checks: { coze: expect.stringMatching(/^down/) },
      })
    } finally {
      await stack.close()
    }
  })
})

describe('T1 beside the Coze call', () => {
  it('should call Coze before the delayed question insert finishes', async () => {
    const order: string[] = []
    let chatArrived!: () => void
    const arrived = new Promise<void>((r) => (chatArrived = r))
    const delayInsert = (s: Store): Store =>
      Object.assign(Object.create(s) as Store, {
        insertQuestion: async (row: Parameters<Store['insertQuestion']>[0]) => {
          order.push('insert:start')
          // Waits for the sim to see the chat (bounded, so a sequential implementation fails, not hangs).
          await Promise.race([arrived, new Promise((r) => setTimeout(r, 5000))])
          await s.insertQuestion(row)
          order.push('insert:done')
        },
      })
    const stack = await startStack({ backend: 'mysql', wrapStore: delayInsert })
    try {
      stack.sim.on('chat', () => {
        order.push('coze:chat')
        chatArrived()
      })
      const user = await stack.newUser()
      const r = await stack.chat(user.token, { message: '并行写入' })
      expect(r.events.at(-1)?.event).toBe('done')
      expect(order).toEqual(['insert:start', 'coze:chat', 'insert:done'])
      const { messageId } = r.events[0]!.data as { messageId: string }
      expect((await stack.store.getMessage(user.userId, messageId))?.status).toBe('completed')
    } finally {
      await stack.close()
    }
  })
})
