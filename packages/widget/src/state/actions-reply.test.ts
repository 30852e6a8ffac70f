// @vitest-environment node
// Issue 18: the bot's question, the reply through `/api/chat/reply`, and errors the service maps (SPEC §2.7).
import { describe, expect, it } from 'vitest'
import { apiError, DONE, META, setup, sse, streamOf } from './actions.fixtures'

const QUESTION_NODE = sse(
  META,
  [1, 'delta', { text: '请问您的订单号是？' }],
  [2, 'action', { kind: 'reply', toolCallId: 'tc1' }],
  [3, 'done', { status: 'requires_action', usage: { inputTokens: 1, outputTokens: 1 } }],
)
const continuation = (id: string) =>
  [
    `id: ${id}:0\nevent: meta\ndata: {"messageId":"${id}","conversationId":"c1"}\n\n`,
    `id: ${id}:1\nevent: delta\ndata: {"text":"订单 1024 已发货"}\n\n`,
    `id: ${id}:2\nevent: done\ndata: {"status":"completed"}\n\n`,
  ].join('')

describe('reply', () => {
  it('should send the next input to /api/chat/reply and stream the continuation like a send', async () => {
    const t = setup((url) =>
      streamOf(url.pathname === '/api/chat/reply' ? continuation('m2') : QUESTION_NODE),
    )
    t.chat.send('查订单')
    await t.settled()
    expect(t.message()).toMatchObject({ status: 'requires_action', answer: '请问您的订单号是？' })
    expect(t.chat.pendingReply()).toEqual({ messageId: 'm1', toolCallId: 'tc1' })
    expect(t.deps.onMessage).toHaveBeenLastCalledWith(expect.objectContaining({ status: 'requires_action' }))

    expect(t.chat.send(' 1024 ')).toBe(true)
    await t.settled()
    const reply = t.calls.at(-1)!
    expect(reply.url.pathname).toBe('/api/chat/reply')
    expect(JSON.parse(reply.init.body as string)).toEqual({
      messageId: 'm1',
      toolCallId: 'tc1',
      text: '1024',
    })
    expect(reply.token).toBe('tok1')
    expect(t.message()).toMatchObject({
      question: '1024', // the user's text shows as their message
      messageId: 'm2',
      answer: '订单 1024 已发货',
      status: 'completed',
    })
    expect(t.chat.pendingReply()).toBeUndefined()
    // The question after that is a normal send again.
    t.chat.send('谢谢')
    await t.settled()
    expect(t.calls.at(-1)!.url.pathname).toBe('/api/chat/send')
  })

  it('should retry a refused reply as a reply', async () => {
    let replies = 0
    const t = setup((url) => {
      if (url.pathname !== '/api/chat/reply') return streamOf(QUESTION_NODE)
      return replies++ === 0 ? apiError(503, 'UPSTREAM_UNAVAILABLE') : streamOf(continuation('m2'))
    })
    t.chat.send('查订单')
    await t.settled()
    t.chat.send('1024')
    await t.settled()
    expect(t.message()).toMatchObject({ status: 'failed', error: { code: 'UPSTREAM_UNAVAILABLE' } })
    t.chat.retry(t.message().localId)
    await t.settled()
    expect(t.calls.map((c) => c.url.pathname)).toEqual([
      '/api/chat/send',
      '/api/chat/reply',
      '/api/chat/reply',
    ])
    expect(t.message()).toMatchObject({ status: 'completed', answer: '订单 1024 已发货' })
  })
})

describe('errors the service maps', () => {
  it('should keep Retry-After of an UPSTREAM_BUSY refusal on the message and the notice', async () => {
    const t = setup(() => apiError(429, 'UPSTREAM_BUSY', { 'Retry-After': '8' }))
    t.chat.send('q')
    await t.settled()
    expect(t.message().error).toMatchObject({ code: 'UPSTREAM_BUSY', retryAfter: 8, fromStream: false })
    expect(t.chat.notice.value).toEqual({
      kind: 'error',
      code: 'UPSTREAM_BUSY',
      retryAfter: 8,
      until: expect.any(Number),
    })
  })

  it('should report an error event to the host with its message, and keep retryAfter', async () => {
    const message = 'Coze 4008: bot daily limit (logid 20261206xyz)'
    const t = setup(() =>
      streamOf(sse(META, [1, 'error', { code: 'UPSTREAM_BUSY', message, retryAfter: 60 }])),
    )
    t.chat.send('q')
    await t.settled()
    expect(t.message()).toMatchObject({
      status: 'failed',
      error: { code: 'UPSTREAM_BUSY', retryAfter: 60, fromStream: true },
    })
    expect(t.deps.onError).toHaveBeenCalledWith({ code: 'UPSTREAM_BUSY', message, retryAfter: 60 })
  })

  it('should not report a cancel as an error', async () => {
    const t = setup(() => streamOf(sse(META, [1, 'error', { code: 'CANCELLED', message: 'stopped' }])))
    t.chat.send('q')
    await t.settled()
    expect(t.message().status).toBe('cancelled')
    expect(t.deps.onError).not.toHaveBeenCalled()
  })

  it('should go on streaming after a tool action', async () => {
    const t = setup(() =>
      streamOf(
        sse(
          META,
          [1, 'action', { kind: 'tool', toolCallId: 't1', name: 'orders' }],
          [2, 'delta', { text: 'ok' }],
          DONE(3),
        ),
      ),
    )
    t.chat.send('q')
    await t.settled()
    expect(t.message()).toMatchObject({ status: 'completed', answer: 'ok', action: null })
  })
})
