// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { COPY_FAILED } from './answer-actions'
import type { ChatDeps } from './actions'
import { apiError, controlledStream, DONE, META, setup, sse, streamOf } from './actions.fixtures'

/** One answered question, then whatever `next` answers. */
async function answered(
  next: (url: URL, init: RequestInit) => Response | Promise<Response> = () => streamOf(sse(META, DONE(2))),
  over: Partial<ChatDeps> = {},
) {
  let first = true
  const t = setup((url, init) => {
    if (url.pathname === '/api/chat/send' && first) {
      first = false
      return streamOf(sse(META, [1, 'delta', { text: '**粗体**答案' }], DONE(2)))
    }
    return next(url, init)
  }, over)
  t.chat.send('问题')
  await t.settled()
  return { ...t, actions: t.chat.answerActions, localId: t.message().localId }
}

const feedbackBodies = (t: Awaited<ReturnType<typeof answered>>) =>
  t.calls.filter((c) => c.url.pathname === '/api/chat/feedback').map((c) => JSON.parse(c.init.body as string))

describe('copy', () => {
  it("should put the answer's Markdown source on the clipboard", async () => {
    const writeClipboard = vi.fn(async () => {})
    const t = setup(() => streamOf(sse(META, [1, 'delta', { text: '**粗体**' }], DONE(2))), {
      writeClipboard,
    })
    t.chat.send('q')
    await t.settled()
    expect(await t.chat.answerActions.copy(t.message().localId)).toBe(true)
    expect(writeClipboard).toHaveBeenCalledWith('**粗体**')
  })

  it('should report a refused copy to the host and return false', async () => {
    const writeClipboard = vi.fn(async () => Promise.reject(new Error('NotAllowedError')))
    const t = setup(() => streamOf(sse(META, DONE(1))), { writeClipboard })
    t.chat.send('q')
    await t.settled()
    expect(await t.chat.answerActions.copy(t.message().localId)).toBe(false)
    expect(t.deps.onError).toHaveBeenCalledWith({ code: COPY_FAILED, message: 'NotAllowedError' })
  })
})

describe('regenerate', () => {
  it('should send the same question again as a new message and keep the old answer', async () => {
    const t = await answered()
    const old = t.message()
    expect(t.actions.canRegenerate(old)).toBe(true)
    expect(t.actions.regenerate(old.localId)).toBe(true)
    await t.settled()
    const [first, second] = t.sendBodies()
    expect(second).toMatchObject({ message: '问题', conversationId: 'c1' })
    expect(second.clientMessageId).not.toBe(first.clientMessageId)
    expect(t.chat.state.value.messages.map((m) => m.question)).toEqual(['问题', '问题'])
    expect(t.chat.state.value.messages[0]).toMatchObject({ answer: '**粗体**答案', status: 'completed' })
  })

  it('should refuse an older answer and while an answer runs', async () => {
    const s = controlledStream()
    const t = await answered(() => s.response())
    const old = t.message()
    t.chat.send('新问题')
    expect(t.actions.canRegenerate(old)).toBe(false)
    expect(t.actions.regenerate(old.localId)).toBe(false)
    expect(t.actions.canRegenerate(t.message())).toBe(false) // running
    expect(t.sendBodies()).toHaveLength(2)
  })

  it("should wait like Send and Retry: through a named wait's countdown and our own new topic", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      let cleared!: () => void
      const t = await answered((url) =>
        url.pathname === '/api/chat/feedback'
          ? apiError(429, 'RATE_LIMITED', { 'Retry-After': '3' })
          : url.pathname === '/api/chat/clear'
            ? new Promise<Response>((r) => (cleared = () => r(Response.json({ conversationId: 'c1' }))))
            : streamOf(sse(META, DONE(2))),
      )
      expect(await t.actions.rate(t.localId, 'like')).toBe(false)
      expect(t.chat.held()).toBe(true)
      expect(t.actions.canRegenerate(t.message())).toBe(true) // offered, not taken
      expect(t.actions.regenerate(t.localId)).toBe(false)
      vi.advanceTimersByTime(3_000)
      expect(t.chat.held()).toBe(false)

      const topic = t.chat.newTopic()
      expect(t.chat.held()).toBe(true)
      expect(t.actions.regenerate(t.localId)).toBe(false)
      cleared()
      expect(await topic).toBe(true)
      expect(t.sendBodies()).toHaveLength(1)
      expect(t.actions.regenerate(t.localId)).toBe(true)
      await t.settled()
      expect(t.sendBodies()).toHaveLength(2)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('rate', () => {
  it('should keep the rating on the message, send it with the comment and tell the host', async () => {
    const onFeedback = vi.fn()
    const t = await answered(() => new Response(JSON.stringify({ forwarded: true })), { onFeedback })
    expect(await t.actions.rate(t.localId, 'unlike', '  不对  ')).toBe(true)
    expect(t.message().feedback).toBe('unlike')
    expect(feedbackBodies(t)).toEqual([{ messageId: 'm1', rating: 'unlike', comment: '不对' }])
    expect(onFeedback).toHaveBeenCalledWith({ messageId: 'm1', rating: 'unlike', comment: '不对' })
    expect(await t.actions.rate(t.localId, null, 'ignored')).toBe(true)
    expect(t.message().feedback).toBeNull()
    expect(feedbackBodies(t)[1]).toEqual({ messageId: 'm1', rating: null })
    expect(onFeedback).toHaveBeenLastCalledWith({ messageId: 'm1', rating: null })
  })

  it('should put the previous rating back when the service refuses', async () => {
    const t = await answered(() => apiError(404, 'MESSAGE_NOT_FOUND'))
    expect(await t.actions.rate(t.localId, 'like')).toBe(false)
    expect(t.message().feedback).toBeNull()
    expect(t.deps.onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'MESSAGE_NOT_FOUND' }))
  })

  it('should not rate an answer the service never named', async () => {
    const t = setup(() => apiError(503, 'UPSTREAM_UNAVAILABLE'))
    t.chat.send('q')
    await t.settled()
    expect(await t.chat.answerActions.rate(t.message().localId, 'like')).toBe(false)
    expect(t.calls.some((c) => c.url.pathname === '/api/chat/feedback')).toBe(false)
  })
})
