// @vitest-environment node
// A question refused with a 409 that names a running answer: it says "still being written" only while
// that answer runs. Once it is over (followed to its end, already ended in history, or gone: 404/410)
// the question says so and can be asked again.
import { describe, expect, it, vi } from 'vitest'
import { createTranslator } from '../i18n'
import { answerErrorText, PREVIOUS_ENDED } from './errors'
import { apiError, controlledStream, DONE, META, setup, sse, streamOf, waitFor } from './actions.fixtures'

const busy = () =>
  Response.json(
    { error: { code: 'CONVERSATION_BUSY', message: 'busy', requestId: 'r', messageId: 'm9' } },
    { status: 409 },
  )
const history = (status: string) =>
  Response.json({
    items: [
      { messageId: 'm9', conversationId: 'c1', question: '另一个标签页的问题', answer: '', status },
      { messageId: 'm1', conversationId: 'c1', question: 'first', answer: 'a', status: 'completed' },
    ],
  })
const ENDED_AT_ONCE =
  `id: m9:0\nevent: meta\ndata: {"messageId":"m9","conversationId":"c1"}\n\n` +
  `id: m9:1\nevent: done\ndata: {"status":"completed"}\n\n`

/** `first` answered, then `second` refused (409 naming m9); `resume` answers `GET /stream/m9`. */
async function refused(status: string, resume: () => Response | Promise<Response>) {
  let sends = 0
  const t = setup((url) => {
    if (url.pathname === '/api/chat/history') return history(status)
    if (url.pathname === '/api/chat/stream/m9') return resume()
    return ++sends === 2 ? busy() : streamOf(sse(META, DONE(1)))
  })
  t.chat.send('first')
  await t.settled()
  t.chat.send('second')
  const question = () => t.chat.state.value.messages.find((m) => m.question === 'second')!
  return { ...t, question }
}

describe('a 409 naming an answer that is over', () => {
  it.each([
    ['ended at once on the resume', 'in_progress', () => streamOf(ENDED_AT_ONCE)],
    ['gone (404)', 'in_progress', () => apiError(404, 'MESSAGE_NOT_FOUND')],
    ['gone (410)', 'in_progress', () => apiError(410, 'STREAM_GONE')],
    ['ended already in history', 'completed', () => apiError(500, 'NOT_ASKED')],
  ])('should let the refused question be asked again when the answer is %s', async (_, status, resume) => {
    const t = await refused(status, resume)
    await waitFor(() => expect(t.question().error?.code).toBe(PREVIOUS_ENDED))
    expect(t.question().status).toBe('failed')
    expect(answerErrorText(createTranslator('zh-CN'), t.question().error!)).toBe(
      '上一个回答已结束，请重新发送。',
    )
    expect(answerErrorText(createTranslator('en'), t.question().error!)).toBe(
      'The previous answer has finished. Send your question again.',
    )
    // The host heard the refusal once, as the service said it.
    const codes = vi.mocked(t.deps.onError!).mock.calls.map(([e]) => e.code)
    expect(codes[0]).toBe('CONVERSATION_BUSY')
    expect(codes).not.toContain(PREVIOUS_ENDED)
    expect(t.chat.held()).toBe(false)
    t.chat.retry(t.question().localId)
    await waitFor(() => expect(t.question().status).toBe('completed'))
    expect(t.sendBodies().map((b) => b.message)).toEqual(['first', 'second', 'second'])
  })

  it('should say "still being written" while the answer it named runs', async () => {
    const m9 = controlledStream()
    const t = await refused('in_progress', () => m9.response())
    await waitFor(() => expect(t.chat.state.value.following).toBe('h:m9'))
    expect(t.question().error?.code).toBe('CONVERSATION_BUSY')
    m9.write(ENDED_AT_ONCE)
    await waitFor(() => expect(t.question().error?.code).toBe(PREVIOUS_ENDED))
  })

  it('should keep "still being written" when following the answer was given up on', async () => {
    const t = await refused('in_progress', () => Promise.reject(new TypeError('Failed to fetch')))
    await waitFor(() =>
      expect(t.chat.state.value.messages.find((m) => m.messageId === 'm9')?.status).toBe('failed'),
    )
    await t.settled()
    expect(t.question().error?.code).toBe('CONVERSATION_BUSY')
  })
})
