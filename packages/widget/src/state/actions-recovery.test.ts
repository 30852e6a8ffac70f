// @vitest-environment node
// Three things a visitor met (issue 22 follow-up): a send racing this tab's own "new topic", Retry during
// a 429's countdown, and an answer given up on while offline that the service went on to finish.
import { describe, expect, it, vi } from 'vitest'
import { createTranslator } from '../i18n'
import { answerErrorText, CONVERSATION_UPDATING } from './errors'
import { apiError, controlledStream, DONE, META, setup, sse, streamOf, waitFor } from './actions.fixtures'

const history = () =>
  Response.json({
    items: [{ messageId: 'm1', conversationId: 'c1', question: 'q', answer: 'a', status: 'completed' }],
  })

describe('a new topic under way', () => {
  it('should hold Send and Retry while its own clear is at the service', async () => {
    let cleared!: () => void
    const t = setup((url) => {
      if (url.pathname === '/api/chat/clear')
        return new Promise<Response>((r) => (cleared = () => r(Response.json({ conversationId: 'c1' }))))
      return streamOf(sse(META, DONE(1)))
    })
    t.chat.send('first')
    await t.settled()
    const topic = t.chat.newTopic()
    await waitFor(() => expect(t.chat.clearing.value).toBe(true))
    expect(t.chat.send('second')).toBe(false)
    expect(await t.chat.newTopic()).toBe(false) // not twice at once
    cleared()
    expect(await topic).toBe(true)
    expect(t.chat.clearing.value).toBe(false)
    expect(t.chat.send('second')).toBe(true)
    await t.settled()
    expect(t.sendBodies().map((b) => b.message)).toEqual(['first', 'second'])
    expect(t.calls.filter((c) => c.url.pathname === '/api/chat/clear')).toHaveLength(1)
  })

  it('should say the conversation is being updated on a 409 that names no answer', async () => {
    let sends = 0
    const t = setup((url) => {
      if (url.pathname === '/api/chat/history') return history()
      if (url.pathname !== '/api/chat/send') return apiError(404, 'NOT_FOUND')
      return ++sends === 1 ? streamOf(sse(META, DONE(1))) : apiError(409, 'CONVERSATION_BUSY')
    })
    t.chat.send('first')
    await t.settled()
    t.chat.send('second') // another tab's clear holds the conversation
    await waitFor(() => expect(t.message().status).toBe('failed'))
    expect(t.message().error).toMatchObject({ code: CONVERSATION_UPDATING, fromStream: false })
    // The host hears the service's code; only the words on the answer differ.
    expect(t.deps.onError).toHaveBeenLastCalledWith(
      expect.objectContaining({ code: 'CONVERSATION_BUSY', status: 409 }),
    )
    expect(answerErrorText(createTranslator('zh-CN'), t.message().error!)).toBe('对话正在更新，请稍后再试。')
    expect(answerErrorText(createTranslator('en'), t.message().error!)).toBe(
      'The conversation is being updated. Try again in a moment.',
    )
    expect(t.chat.notice.value).toBeNull()
    // Asking again goes out (same clientMessageId: the service never took the first try).
    await t.settled()
    sends = 0
    t.chat.retry(t.message().localId)
    await t.settled()
    expect(t.message().status).toBe('completed')
    expect(t.sendBodies()[2].clientMessageId).toBe(t.sendBodies()[1].clientMessageId)
  })
})

describe('Retry during a named wait', () => {
  it('should not ask again until the countdown is over', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      let limited = true
      const t = setup(() =>
        limited ? apiError(429, 'RATE_LIMITED', { 'Retry-After': '5' }) : streamOf(sse(META, DONE(1))),
      )
      t.chat.send('q')
      await vi.waitFor(() => expect(t.message().status).toBe('failed'))
      expect(t.chat.waiting()).toBe(true)
      limited = false
      t.chat.retry(t.message().localId)
      expect(t.message().status).toBe('failed') // refused: the service would only say 429 again
      expect(t.sendBodies()).toHaveLength(1)
      vi.advanceTimersByTime(5_000)
      expect(t.chat.waiting()).toBe(false)
      t.chat.retry(t.message().localId)
      await vi.waitFor(() => expect(t.message().status).toBe('completed'))
      expect(t.sendBodies()).toHaveLength(2)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('an answer given up on while offline', () => {
  function dropped(resume: (init: RequestInit) => Response | Promise<Response>) {
    let offline = true
    const first = controlledStream()
    const t = setup((url, init) => {
      if (url.pathname === '/api/chat/send') return first.response()
      return offline ? Promise.reject(new TypeError('Failed to fetch')) : resume(init)
    })
    return { t, first, online: () => (offline = false) }
  }

  it('should resume it once when back online and show the whole answer once', async () => {
    const lastIds: string[] = []
    const { t, first, online } = dropped((init) => {
      lastIds.push((init.headers as Record<string, string>)['Last-Event-ID']!)
      // The service replays from the position asked; a repeated event is dropped by its seq.
      return streamOf(
        sse(
          [2, 'delta', { text: '好' }],
          [2, 'delta', { text: '好' }],
          [3, 'delta', { text: '！' }],
          DONE(4),
        ),
      )
    })
    t.chat.send('q')
    first.write(sse(META, [1, 'delta', { text: '你' }], [2, 'delta', { text: '好' }]))
    await waitFor(() => expect(t.message().answer).toBe('你好'))
    t.chat.setOnline(false)
    first.fail()
    await t.settled()
    expect(t.message()).toMatchObject({ status: 'failed', error: { code: 'STREAM_DROPPED' }, answer: '你好' })
    expect(t.chat.notice.value).toEqual({ kind: 'offline' }) // not "reconnecting…" any more

    online()
    t.chat.setOnline(true)
    await waitFor(() => expect(t.message().status).toBe('completed'))
    expect(t.message()).toMatchObject({ answer: '你好！', error: null })
    expect(t.chat.notice.value).toBeNull()
    expect(lastIds).toEqual(['m1:2'])
    expect(t.sendBodies()).toHaveLength(1) // resumed, not asked again
    expect(t.deps.onMessage).toHaveBeenLastCalledWith(expect.objectContaining({ status: 'completed' }))
    t.chat.setOnline(true)
    t.chat.resumeDropped()
    expect(lastIds).toHaveLength(1)
  })

  it('should try only once from the same place when the resume is refused', async () => {
    const { t, first, online } = dropped(() => apiError(404, 'MESSAGE_NOT_FOUND'))
    t.chat.send('q')
    first.write(sse(META, [1, 'delta', { text: '你' }]))
    await waitFor(() => expect(t.message().answer).toBe('你'))
    first.fail()
    await t.settled()
    expect(t.chat.notice.value).toBeNull() // online all along: no "reconnecting…" left behind
    const resumes = () => t.calls.filter((c) => c.url.pathname === '/api/chat/stream/m1').length
    const before = resumes() // the reconnects while offline
    online()
    t.chat.resumeDropped()
    await waitFor(() => expect(t.message().error?.code).toBe('MESSAGE_NOT_FOUND'))
    expect(t.message().answer).toBe('你') // what it had stays
    t.chat.resumeDropped()
    t.chat.setOnline(true)
    await t.settled()
    expect(resumes()).toBe(before + 1)
  })

  it('should leave other failures and a running answer alone', async () => {
    const t = setup(() => streamOf(sse(META, [1, 'error', { code: 'UPSTREAM_ERROR', message: 'x' }])))
    t.chat.send('q')
    await t.settled()
    t.chat.resumeDropped()
    t.chat.setOnline(true)
    expect(t.calls).toHaveLength(1)
  })
})
