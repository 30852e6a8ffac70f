// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { VcApiError } from '../api/http'
import { secondsLeft } from './errors'
import { TokenRefreshError } from './token'
import { apiError, controlledStream, DONE, META, setup, sse, streamOf, waitFor } from './actions.fixtures'

describe('send', () => {
  it('should show each delta as it arrives, then finish and report the message', async () => {
    const s = controlledStream()
    const t = setup(() => s.response())
    expect(t.chat.send('  你好  ')).toBe(true)
    expect(t.message()).toMatchObject({ question: '你好', status: 'pending' })
    s.write(sse(META, [1, 'delta', { text: '你' }]))
    await waitFor(() => expect(t.message().answer).toBe('你'))
    s.write(sse([2, 'delta', { text: '好' }]))
    await waitFor(() => expect(t.message().answer).toBe('你好'))
    s.write(sse(DONE(3)))
    s.close()
    await t.settled()
    expect(t.message().status).toBe('completed')
    expect(t.sendBodies()).toEqual([{ message: '你好', clientMessageId: 'id2' }])
    expect(t.deps.onMessage).toHaveBeenCalledWith(
      expect.objectContaining({ messageId: 'm1', conversationId: 'c1', answer: '你好', status: 'completed' }),
    )
  })

  it('should refuse empty text and a second send while an answer runs', () => {
    const t = setup(() => controlledStream().response())
    expect(t.chat.send('   ')).toBe(false)
    expect(t.chat.send('a')).toBe(true)
    expect(t.chat.send('b')).toBe(false)
  })

  it('should send the conversationId once the service gave one', async () => {
    const t = setup(() => streamOf(sse(META, DONE(1))))
    t.chat.send('a')
    await t.settled()
    t.chat.send('b')
    await t.settled()
    expect(t.sendBodies()[1]).toMatchObject({ message: 'b', conversationId: 'c1' })
  })
})

describe('token expiry', () => {
  it('should get a fresh token and send the same message once more on 401', async () => {
    let n = 0
    const t = setup(() => (n++ === 0 ? apiError(401, 'TOKEN_INVALID') : streamOf(sse(META, DONE(1)))))
    t.chat.send('typed text')
    await t.settled()
    expect(t.deps.refreshToken).toHaveBeenCalledTimes(1)
    expect(t.calls.map((c) => c.token)).toEqual(['tok1', 'tok2'])
    expect(t.sendBodies()).toEqual([
      { message: 'typed text', clientMessageId: 'id2' },
      { message: 'typed text', clientMessageId: 'id2' },
    ])
    expect(t.message().status).toBe('completed')
  })

  it('should retry only once and then say the session expired', async () => {
    const t = setup(() => apiError(401, 'TOKEN_INVALID'))
    t.chat.send('q')
    await t.settled()
    expect(t.calls).toHaveLength(2)
    expect(t.message()).toMatchObject({ status: 'failed', error: { code: 'TOKEN_INVALID' }, question: 'q' })
    expect(t.chat.notice.value).toBeNull() // the failed answer says it: once
    expect(t.deps.onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'TOKEN_INVALID', status: 401 }),
    )
  })

  it('should fail clearly when the host has no new token', async () => {
    const t = setup(() => apiError(401, 'TOKEN_INVALID'), {
      refreshToken: async () => Promise.reject(new TokenRefreshError('no token')),
    })
    t.chat.send('q')
    await t.settled()
    expect(t.message().error?.code).toBe('TOKEN_INVALID')
    expect(t.chat.notice.value).toBeNull()
  })

  it('should ask the host first when there is no token at all', async () => {
    const t = setup(() => streamOf(sse(META, DONE(1))), { token: () => '' })
    t.chat.send('q')
    await t.settled()
    expect(t.deps.refreshToken).toHaveBeenCalledTimes(1)
  })
})

describe('errors', () => {
  it('should show when to try again on 429', async () => {
    const t = setup(() => apiError(429, 'RATE_LIMITED', { 'Retry-After': '30' }))
    t.chat.send('q')
    await t.settled()
    expect(t.chat.notice.value).toEqual({
      kind: 'error',
      code: 'RATE_LIMITED',
      retryAfter: 30,
      until: expect.any(Number),
    })
    expect(t.message().error?.code).toBe('RATE_LIMITED')
  })

  it('should hold Send for the wait the service named, then let go by itself', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      const t = setup(() => apiError(503, 'UPSTREAM_BUSY', { 'Retry-After': '5' }))
      t.chat.send('q')
      await vi.waitFor(() => expect(t.chat.notice.value?.kind).toBe('error'))
      expect(t.chat.waiting()).toBe(true)
      expect(secondsLeft(t.chat.notice.value)).toBe(5)
      vi.advanceTimersByTime(2_000)
      expect(secondsLeft(t.chat.notice.value)).toBe(3)
      vi.advanceTimersByTime(3_000)
      expect(t.chat.waiting()).toBe(false)
      expect(t.chat.notice.value).toBeNull()
    } finally {
      vi.useRealTimers()
    }
  })

  it('should say it is reconnecting while a dropped answer resumes', async () => {
    const first = controlledStream()
    const resumed = controlledStream()
    const t = setup((url) => (url.pathname === '/api/chat/send' ? first.response() : resumed.response()))
    t.chat.send('q')
    first.write(sse(META, [1, 'delta', { text: 'a' }]))
    await waitFor(() => expect(t.message().answer).toBe('a'))
    first.fail()
    await waitFor(() => expect(t.chat.notice.value).toEqual({ kind: 'reconnecting' }))
    resumed.write(sse([2, 'delta', { text: 'b' }], DONE(3)))
    await t.settled()
    expect(t.chat.notice.value).toBeNull()
    expect(t.message().answer).toBe('ab')
  })

  it('should send a question that failed offline once the network is back', async () => {
    let online = false
    const t = setup(() =>
      online
        ? streamOf(sse(META, [1, 'delta', { text: 'ok' }], DONE(2)))
        : Promise.reject(new TypeError('Failed to fetch')),
    )
    t.chat.send('q')
    await t.settled()
    expect(t.message().error?.code).toBe('NETWORK_ERROR')
    online = true
    t.chat.setOnline(true)
    await t.settled()
    expect(t.message()).toMatchObject({ status: 'completed', answer: 'ok' })
    expect(t.sendBodies()).toHaveLength(2)
    expect(t.sendBodies()[1].clientMessageId).toBe(t.sendBodies()[0].clientMessageId)
  })

  it('should say the service is busy on 503 on the answer only, not in a notice too', async () => {
    const t = setup(() => apiError(503, 'UPSTREAM_UNAVAILABLE'))
    t.chat.send('q')
    await t.settled()
    expect(t.message().error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', fromStream: false })
    expect(t.chat.notice.value).toBeNull()
    expect(t.chat.waiting()).toBe(false)
  })

  it('should show offline on a network failure and clear it when back online', async () => {
    const t = setup(() => Promise.reject(new TypeError('Failed to fetch')))
    t.chat.send('q')
    await t.settled()
    expect(t.chat.notice.value).toEqual({ kind: 'offline' })
    t.chat.setOnline(true)
    expect(t.chat.notice.value).toBeNull()
  })
})

describe('resume', () => {
  it('should resume a dropped stream from the last event id without repeating text', async () => {
    const first = controlledStream()
    const t = setup((url, init) => {
      if (url.pathname === '/api/chat/send') return first.response()
      expect((init.headers as Record<string, string>)['Last-Event-ID']).toBe('m1:1')
      return streamOf(sse([1, 'delta', { text: 'A' }], [2, 'delta', { text: 'B' }], DONE(3)))
    })
    t.chat.send('q')
    first.write(sse(META, [1, 'delta', { text: 'A' }]))
    await waitFor(() => expect(t.message().answer).toBe('A'))
    first.fail()
    await t.settled()
    expect(t.message()).toMatchObject({ answer: 'AB', status: 'completed' })
    expect(t.calls.map((c) => c.url.pathname)).toEqual(['/api/chat/send', '/api/chat/stream/m1'])
  })

  it('should fail with STREAM_DROPPED when resuming keeps failing', async () => {
    const t = setup((url) =>
      url.pathname === '/api/chat/send' ? streamOf(sse(META)) : Promise.reject(new TypeError('down')),
    )
    t.chat.send('q')
    await t.settled()
    expect(t.message().error?.code).toBe('STREAM_DROPPED')
  })
})

describe('retry', () => {
  it('should reuse the clientMessageId after a lost connection', async () => {
    let n = 0
    const t = setup(() => (n++ === 0 ? Promise.reject(new TypeError('down')) : streamOf(sse(META, DONE(1)))))
    t.chat.send('q')
    await t.settled()
    t.chat.retry(t.message().localId)
    await t.settled()
    expect(t.sendBodies().map((b) => b.clientMessageId)).toEqual(['id2', 'id2'])
    expect(t.message().status).toBe('completed')
  })

  it('should ask afresh (new clientMessageId) after the service ended the answer with an error', async () => {
    const t = setup(() => streamOf(sse(META, [1, 'error', { code: 'UPSTREAM_ERROR', message: 'x' }])))
    t.chat.send('q')
    await t.settled()
    expect(t.message().status).toBe('failed')
    t.chat.retry(t.message().localId)
    await t.settled()
    expect(t.sendBodies().map((b) => b.clientMessageId)).toEqual(['id2', 'id3'])
  })
})

describe('cancel', () => {
  it('should POST the running messageId', async () => {
    const s = controlledStream()
    const t = setup((url) => (url.pathname === '/api/chat/cancel' ? new Response('{}') : s.response()))
    t.chat.send('q')
    s.write(sse(META))
    await waitFor(() => expect(t.message().messageId).toBe('m1'))
    await t.chat.cancel()
    const call = t.calls.find((c) => c.url.pathname === '/api/chat/cancel')!
    expect(JSON.parse(call.init.body as string)).toEqual({ messageId: 'm1' })
    s.write(sse([1, 'error', { code: 'CANCELLED', message: '' }]))
    await t.settled()
    expect(t.message().status).toBe('cancelled')
  })

  it('should stop an answer the service has not named yet as soon as it does', async () => {
    const s = controlledStream()
    const t = setup((url) => (url.pathname === '/api/chat/cancel' ? new Response('{}') : s.response()))
    t.chat.send('q')
    await t.chat.cancel() // before meta: nothing to name yet
    expect(t.calls.some((c) => c.url.pathname === '/api/chat/cancel')).toBe(false)
    s.write(sse(META))
    await waitFor(() => expect(t.calls.some((c) => c.url.pathname === '/api/chat/cancel')).toBe(true))
    const call = t.calls.find((c) => c.url.pathname === '/api/chat/cancel')!
    expect(JSON.parse(call.init.body as string)).toEqual({ messageId: 'm1' })
  })
})

it('should map only 401 to a token refresh', async () => {
  const t = setup(() => apiError(403, 'FORBIDDEN'))
  t.chat.send('q')
  await t.settled()
  expect(t.deps.refreshToken).not.toHaveBeenCalled()
  expect(t.message().error).toMatchObject({ code: 'FORBIDDEN' })
  expect(new VcApiError({ status: 403, code: 'FORBIDDEN', message: '' }).status).toBe(403)
})

describe('busy conversation', () => {
  it('should follow the answer already running when the service says 409 CONVERSATION_BUSY', async () => {
    let sends = 0
    const t = setup((url) => {
      if (url.pathname === '/api/chat/send') {
        return ++sends === 1
          ? streamOf(sse(META, DONE(1)))
          : new Response(
              JSON.stringify({
                error: { code: 'CONVERSATION_BUSY', message: 'busy', requestId: 'r', messageId: 'm9' },
              }),
              { status: 409 },
            )
      }
      if (url.pathname === '/api/chat/history') {
        const items = [
          {
            messageId: 'm9',
            conversationId: 'c1',
            question: '另一个标签页的问题',
            answer: '',
            status: 'in_progress',
          },
          { messageId: 'm1', conversationId: 'c1', question: 'first', answer: '', status: 'completed' },
        ]
        return new Response(JSON.stringify({ items, nextBefore: null }))
      }
      if (url.pathname === '/api/chat/stream/m9') {
        return streamOf(
          `id: m9:0\nevent: meta\ndata: {"messageId":"m9","conversationId":"c1"}\n\n` +
            `id: m9:1\nevent: delta\ndata: {"text":"正在生成的回答"}\n\n` +
            `id: m9:2\nevent: done\ndata: {"status":"completed"}\n\n`,
        )
      }
      return apiError(404, 'NOT_FOUND')
    })
    t.chat.send('first')
    await t.settled()
    t.chat.send('second')
    await waitFor(() => {
      const running = t.chat.state.value.messages.find((m) => m.messageId === 'm9')
      expect(running).toMatchObject({
        question: '另一个标签页的问题',
        answer: '正在生成的回答',
        status: 'completed',
      })
    })
    // In the order asked, each once; nothing left holding Send.
    expect(t.chat.state.value.messages.map((m) => [m.question, m.status])).toEqual([
      ['first', 'completed'],
      ['另一个标签页的问题', 'completed'],
      ['second', 'failed'],
    ])
    await t.settled()
    expect(t.chat.send('third')).toBe(true)
  })
})
