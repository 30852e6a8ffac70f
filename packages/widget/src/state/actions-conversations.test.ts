// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { apiError, controlledStream, DONE, META, setup, sse, streamOf, waitFor } from './actions.fixtures'

const item = (n: number, conversationId: string, status = 'completed') => ({
  messageId: `m${n}`,
  conversationId,
  question: `q${n}`,
  answer: `a${n}`,
  status,
  askedAt: `2026-12-06T10:0${n}:00.000Z`,
})
const LIST = {
  items: [
    { conversationId: 'c1', title: 'q1', updatedAt: '2026-12-01T00:00:00Z' },
    { conversationId: 'c2', title: 'q3', updatedAt: '2026-12-02T00:00:00Z' },
  ],
}
/** Two conversations: c1 (q1, q2) and c2 (q3, still answering when `running`). */
const service =
  (running = false) =>
  (url: URL) => {
    if (url.pathname === '/api/chat/conversations') return Response.json(LIST)
    if (url.pathname === '/api/chat/history') {
      const c = url.searchParams.get('conversationId')
      return Response.json({
        items:
          c === 'c1'
            ? [item(2, 'c1'), item(1, 'c1')]
            : [item(3, 'c2', running ? 'in_progress' : 'completed')],
      })
    }
    if (url.pathname === '/api/chat/stream/m3')
      return streamOf(sse([0, 'meta', { messageId: 'm3', conversationId: 'c2' }], DONE(1)))
    return apiError(404, 'NOT_FOUND')
  }

describe('welcome', () => {
  it('should ask once and keep what has the right shape', async () => {
    const t = setup(() => Response.json({ prologue: '你好', questions: ['a', 2] }))
    await t.chat.loadWelcome()
    await t.chat.loadWelcome()
    expect(t.chat.welcome.value).toEqual({ prologue: '你好', questions: ['a'] })
    expect(t.calls.map((c) => c.url.pathname)).toEqual(['/api/chat/welcome'])
  })

  it('should leave the panel alone on a failure and tell the host', async () => {
    const t = setup(() => apiError(500, 'INTERNAL'))
    await t.chat.loadWelcome()
    expect(t.chat.welcome.value).toBeNull()
    expect(t.chat.notice.value).toBeNull()
    expect(t.deps.onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'INTERNAL', status: 500 }))
  })
})

describe('conversations', () => {
  it('should list them newest first and switch to one with its own history', async () => {
    const t = setup(service())
    await t.chat.loadLatest()
    expect(t.chat.conversations.value.map((c) => c.conversationId)).toEqual(['c2', 'c1'])
    expect(t.chat.state.value.messages.map((m) => m.question)).toEqual(['q3'])
    await t.chat.openConversation('c1')
    expect(t.chat.state.value.conversationId).toBe('c1')
    expect(t.chat.state.value.messages.map((m) => m.question)).toEqual(['q1', 'q2'])
    expect(t.chat.state.value.messages[0]!.askedAt).toBe(Date.UTC(2026, 11, 6, 10, 1))
  })

  it('should follow an answer still running in the conversation switched to', async () => {
    const t = setup(service(true))
    await t.chat.openConversation('c2')
    await t.settled()
    expect(t.calls.map((c) => c.url.pathname)).toContain('/api/chat/stream/m3')
    expect(t.chat.state.value.messages.at(-1)).toMatchObject({ messageId: 'm3', status: 'completed' })
  })

  it('should stop following the answer of the conversation left behind', async () => {
    const s = controlledStream()
    const t = setup((url) => (url.pathname === '/api/chat/send' ? s.response() : service()(url)))
    t.chat.send('在新对话里')
    s.write(sse(META))
    await waitFor(() => expect(t.chat.state.value.conversationId).toBe('c1'))
    await t.chat.openConversation('c2')
    expect(t.chat.isBusy()).toBe(false)
    expect(t.chat.state.value.messages.map((m) => m.question)).toEqual(['q3'])
  })

  it('should refresh the list and show a failure', async () => {
    const t = setup(() => apiError(429, 'RATE_LIMITED', { 'Retry-After': '5' }))
    await t.chat.loadConversations()
    expect(t.chat.loadingConversations.value).toBe(false)
    expect(t.chat.notice.value).toMatchObject({ kind: 'error', code: 'RATE_LIMITED' })
  })

  it('should stamp a live question with the time it was asked', async () => {
    const t = setup(() => streamOf(sse(META, DONE(1))), { now: () => 42 })
    t.chat.send('几点了')
    await t.settled()
    expect(t.message().askedAt).toBe(42)
  })
})

describe('newTopic', () => {
  it("should clear the conversation's context and mark the next question", async () => {
    const t = setup((url) =>
      url.pathname === '/api/chat/clear'
        ? Response.json({ conversationId: 'c1', sectionId: 's2' })
        : streamOf(sse(META, DONE(1))),
    )
    t.chat.send('a')
    await t.settled()
    expect(await t.chat.newTopic()).toBe(true)
    const clear = t.calls.find((c) => c.url.pathname === '/api/chat/clear')!
    expect(JSON.parse(clear.init.body as string)).toEqual({ conversationId: 'c1' })
    expect(t.chat.state.value.topicCleared).toBe(true)
  })

  it('should need no call before there is a conversation', async () => {
    const t = setup(() => apiError(500, 'INTERNAL'))
    expect(await t.chat.newTopic()).toBe(true)
    expect(t.calls).toEqual([])
  })

  it('should show why the service refused (409 while an answer runs)', async () => {
    const t = setup((url) =>
      url.pathname === '/api/chat/clear' ? apiError(409, 'CONVERSATION_BUSY') : streamOf(sse(META, DONE(1))),
    )
    t.chat.send('a')
    await t.settled()
    expect(await t.chat.newTopic()).toBe(false)
    expect(t.chat.state.value.topicCleared).toBe(false)
    expect(t.chat.notice.value).toEqual({ kind: 'error', code: 'CONVERSATION_BUSY' })
    expect(t.deps.onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'CONVERSATION_BUSY' }))
  })
})
