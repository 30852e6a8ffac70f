// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { apiError, controlledStream, setup, streamOf } from './actions.fixtures'

describe('history', () => {
  const item = (n: number, status = 'completed') => ({
    messageId: `h${n}`,
    conversationId: 'c2',
    question: `q${n}`,
    answer: `a${n}`,
    status,
    askedAt: '',
  })

  it('should load the latest conversation, then older pages with the cursor', async () => {
    const t = setup((url) => {
      if (url.pathname === '/api/chat/conversations')
        return Response.json({
          items: [
            { conversationId: 'c1', title: 'old', updatedAt: '2025-01-01T00:00:00Z' },
            { conversationId: 'c2', title: 'new', updatedAt: '2025-02-01T00:00:00Z' },
          ],
        })
      const before = url.searchParams.get('before')
      return Response.json(before ? { items: [item(1)] } : { items: [item(3), item(2)], nextBefore: 'cur' })
    })
    await t.chat.loadLatest()
    expect(t.chat.state.value.conversationId).toBe('c2')
    expect(t.chat.state.value.messages.map((m) => m.question)).toEqual(['q2', 'q3'])
    await t.chat.loadOlder()
    expect(t.chat.state.value.messages.map((m) => m.question)).toEqual(['q1', 'q2', 'q3'])
    expect(t.chat.state.value.olderCursor).toBeNull()
    expect(t.calls.at(-1)!.url.searchParams.get('before')).toBe('cur')
    await t.chat.loadLatest() // once only
    expect(t.calls).toHaveLength(3)
  })

  it('should re-attach to an answer still being generated', async () => {
    const t = setup((url) => {
      if (url.pathname === '/api/chat/conversations')
        return Response.json({ items: [{ conversationId: 'c2', title: '', updatedAt: '' }] })
      if (url.pathname === '/api/chat/history') return Response.json({ items: [item(1, 'in_progress')] })
      return streamOf(
        `id: h1:0\nevent: meta\ndata: {"messageId":"h1","conversationId":"c2"}\n\n` +
          `id: h1:1\nevent: delta\ndata: {"text":"whole"}\n\nid: h1:2\nevent: done\ndata: {"status":"completed"}\n\n`,
      )
    })
    await t.chat.loadLatest()
    await t.settled()
    expect(t.calls.at(-1)!.url.pathname).toBe('/api/chat/stream/h1')
    expect(t.message()).toMatchObject({ answer: 'whole', status: 'completed' })
  })

  it('should report a failed history load', async () => {
    const t = setup(() => apiError(503, 'UPSTREAM_UNAVAILABLE'))
    await t.chat.loadLatest()
    expect(t.chat.notice.value).toEqual({ kind: 'error', code: 'UPSTREAM_UNAVAILABLE' })
    expect(t.deps.onError).toHaveBeenCalledWith(expect.objectContaining({ status: 503 }))
  })

  it('should start empty on newConversation and stop following the old answer', async () => {
    const s = controlledStream()
    const t = setup(() => s.response())
    t.chat.send('q')
    t.chat.newConversation()
    expect(t.chat.state.value.messages).toEqual([])
    await t.chat.loadLatest() // already counted as loaded: a new conversation has no history
    expect(t.calls.filter((c) => c.url.pathname !== '/api/chat/send')).toEqual([])
    expect(t.deps.onError).not.toHaveBeenCalled()
  })
})
