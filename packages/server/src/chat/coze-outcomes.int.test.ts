/**
 * Issue 18, Must show 2–5: Coze as it really is (coze-protocol §9 rows 2–4), against coze-sim's markers,
 * through the whole HTTP stack on MariaDB + Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../test/harness'
import { answerOf, readStream, type StreamResult } from '../../test/sse-client'

const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error
const messageIdOf = (r: StreamResult) => (r.events[0]!.data as { messageId: string }).messageId
const conversationIdOf = (r: StreamResult) => (r.events[0]!.data as { conversationId: string }).conversationId

describe("Coze's results (mysql)", () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ backend: 'mysql' })
  })
  afterAll(() => stack?.close())

  const reply = async (token: string, body: unknown) =>
    readStream(
      await fetch(`${stack.url}/api/chat/reply`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }),
    )

  describe('SPEC §2.7 at chat start (HTTP 200 + code)', () => {
    it.each([
      [4008, 429, 'UPSTREAM_BUSY', '3600'],
      [4009, 429, 'UPSTREAM_BUSY', '10'],
      [4013, 429, 'UPSTREAM_BUSY', '10'],
      [4020, 429, 'UPSTREAM_BUSY', '60'],
      [4010, 413, 'CONTEXT_TOO_LONG', null],
      [4011, 503, 'UPSTREAM_ACCOUNT', null],
      [4027, 503, 'UPSTREAM_ACCOUNT', null],
      [788788103, 503, 'UPSTREAM_ACCOUNT', null],
      [4012, 503, 'UPSTREAM_MISCONFIGURED', null],
      [4015, 503, 'UPSTREAM_MISCONFIGURED', null],
      [4000, 502, 'UPSTREAM_ERROR', null],
    ])('Coze %i → %i %s, Retry-After %s, Coze code archived', async (coze, status, code, retryAfter) => {
      const user = await stack.newUser()
      const r = await stack.chat(user.token, { message: `业务错误 [[sim:code=${coze}]]` })
      expect(r.status).toBe(status)
      expect(errorOf(r.body).code).toBe(code)
      expect(r.headers.get('retry-after')).toBe(retryAfter)
      // The catalogue's words: no logid, no Coze code, none of Coze's own text.
      expect(errorOf(r.body).message).not.toMatch(new RegExp(`logid|${coze}|[0-9A-F]{20,}`, 'i'))
      const [conv] = await stack.store.listConversations(user.userId, 1)
      const [row] = await stack.store.listMessages(user.userId, conv!.id, { limit: 1 })
      expect(row).toMatchObject({ status: 'failed', errorCode: code, cozeCode: coze })
    })

    it('should log an error line for the codes an operator must act on', async () => {
      const user = await stack.newUser()
      await stack.chat(user.token, { message: `欠费 [[sim:code=4011]]` })
      const line = stack.logLines.find((l) => l.includes('Coze needs an operator') && l.includes('4011'))
      expect(JSON.parse(line!)).toMatchObject({ level: 50, code: 'UPSTREAM_ACCOUNT', cozeCode: 4011 })
      const metrics = await (await fetch(`${stack.url}/metrics`)).text()
      expect(metrics).toMatch(/^vc_coze_errors_total\{code="4011"\} [1-9]/m)
    })
  })

  describe('SPEC §2.7 inside the stream (conversation.chat.failed)', () => {
    it.each([
      [4008, 'UPSTREAM_BUSY', 3600],
      [4010, 'CONTEXT_TOO_LONG', undefined],
      [4028, 'UPSTREAM_ACCOUNT', undefined],
      [4015, 'UPSTREAM_MISCONFIGURED', undefined],
      [5000, 'UPSTREAM_ERROR', undefined],
    ])(
      'last_error %i → error %s, archived with Coze code and logid-free text',
      async (coze, code, retryAfter) => {
        const user = await stack.newUser()
        const r = await stack.chat(user.token, { message: `中途失败 [[sim:fail-code=${coze}]]` })
        expect(r.status).toBe(200)
        const last = r.events.at(-1)!
        expect(last).toMatchObject({ event: 'error', data: { code } })
        expect((last.data as { retryAfter?: number }).retryAfter).toBe(retryAfter)
        const row = await stack.store.getMessage(user.userId, messageIdOf(r))
        expect(row).toMatchObject({
          status: 'failed',
          errorCode: code,
          cozeCode: coze,
          answer: answerOf(r.events),
        })
      },
    )
  })

  it('should stream a card then two text answers as parts and archive the texts without JSON', async () => {
    const user = await stack.newUser()
    const question = '订单卡片 [[sim:card,answers=2]]'
    const r = await stack.chat(user.token, { message: question })
    const kinds = r.events.map((e) =>
      e.event === 'part' ? `part:${(e.data as { kind: string }).kind}` : e.event,
    )
    expect(kinds[0]).toBe('meta')
    expect(kinds[1]).toBe('part:card')
    expect(kinds.filter((k) => k === 'part:text')).toHaveLength(2)
    expect(kinds.at(-1)).toBe('done')
    const card = r.events.find((e) => e.event === 'part')!.data as { data: unknown }
    expect(typeof card.data).toBe('object')
    const row = await stack.store.getMessage(user.userId, messageIdOf(r))
    const texts = stack.sim.answerFor(question).text
    expect(row!.answer).toBe(texts)
    expect(row!.answer).not.toContain('{')
    expect(row!.parts?.map((p) => p.kind)).toEqual(['card', 'text', 'text'])
    expect(row!.parts?.[0]?.data).toEqual(card.data)
    const history = await fetch(`${stack.url}/api/chat/history?conversationId=${conversationIdOf(r)}`, {
      headers: { authorization: `Bearer ${user.token}` },
    })
    const items = ((await history.json()) as { items: { parts?: unknown[] }[] }).items
    expect(items[0]!.parts).toHaveLength(3)
  })

  it("should end a question node with action reply, then stream the continuation of the user's reply", async () => {
    const user = await stack.newUser()
    const r = await stack.chat(user.token, { message: '我要查订单 [[sim:ask]]' })
    const action = r.events.find((e) => e.event === 'action')!.data as { kind: string; toolCallId: string }
    expect(action.kind).toBe('reply')
    expect(r.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'requires_action' } })
    const asked = await stack.store.getMessage(user.userId, messageIdOf(r))
    expect(asked).toMatchObject({ status: 'completed' })
    expect(asked!.answer.length).toBeGreaterThan(0)

    const r2 = await reply(user.token, {
      messageId: messageIdOf(r),
      toolCallId: action.toolCallId,
      text: '订单 A123',
    })
    expect(r2.status).toBe(200)
    expect(r2.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed' } })
    expect(conversationIdOf(r2)).toBe(conversationIdOf(r))
    const continued = await stack.store.getMessage(user.userId, messageIdOf(r2))
    expect(continued).toMatchObject({
      status: 'completed',
      question: '订单 A123',
      parentMessageId: messageIdOf(r),
      cozeChatId: asked!.cozeChatId,
      answer: answerOf(r2.events),
    })
    expect(stack.sim.chat(asked!.cozeChatId!)?.status).toBe('completed')
    const again = await reply(user.token, {
      messageId: messageIdOf(r),
      toolCallId: action.toolCallId,
      text: '再答',
    })
    expect(again.status).toBe(400) // answered once
  })

  it("should refuse a reply to someone else's message or to an answer that asked nothing", async () => {
    const owner = await stack.newUser()
    const other = await stack.newUser()
    const asked = await stack.chat(owner.token, { message: '问 [[sim:ask]]' })
    const r = await reply(other.token, { messageId: messageIdOf(asked), toolCallId: 'x', text: '你好' })
    expect(r.status).toBe(404)
    const plain = await stack.chat(owner.token, { message: '普通问题' })
    const r2 = await reply(owner.token, { messageId: messageIdOf(plain), toolCallId: 'x', text: '你好' })
    expect(r2.status).toBe(400) // it asked nothing: refused before Coze is asked
  })

  it('should answer a function call with the unavailable output when no tools are configured, and complete', async () => {
    const user = await stack.newUser()
    const r = await stack.chat(user.token, { message: '查一下我的订单 [[sim:tool=my_orders]]' })
    expect(r.events.find((e) => e.event === 'action')?.data).toMatchObject({
      kind: 'tool',
      name: 'my_orders',
    })
    expect(r.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed' } })
    const row = await stack.store.getMessage(user.userId, messageIdOf(r))
    expect(row!.status).toBe('completed')
    expect(JSON.stringify(stack.sim.chat(row!.cozeChatId!))).toContain('tool unavailable')
  })
})
