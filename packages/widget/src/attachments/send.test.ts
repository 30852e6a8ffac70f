// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { DONE, META, apiError, setup, sse, streamOf } from '../state/actions.fixtures'
import type { Attachment } from './attachment'

const image: Attachment = { fileId: 'f1', name: 'cat.png', kind: 'image', mime: 'image/png', bytes: 9 }
const doc: Attachment = { fileId: 'f2', name: 'a.pdf', kind: 'file', mime: 'application/pdf', bytes: 9 }
const answered = () => streamOf(sse(META, [1, 'delta', { text: 'ok' }], DONE(2)))

describe('sending attachments', () => {
  it('should send the file ids with the question, text or not', async () => {
    const t = setup(answered)
    expect(t.chat.send('', [])).toBe(false) // nothing at all
    expect(t.chat.send('  ', [image, doc])).toBe(true)
    await t.settled()
    expect(t.sendBodies()[0]).toMatchObject({
      message: '',
      attachments: [{ fileId: 'f1' }, { fileId: 'f2' }],
    })
    expect(t.message()).toMatchObject({ question: '', attachments: [image, doc], status: 'completed' })
    expect(t.chat.send('plain')).toBe(true)
    await t.settled()
    expect(t.sendBodies()[1]).not.toHaveProperty('attachments')
  })

  it('should send the same attachments again on a retry and on regenerate', async () => {
    let n = 0
    const t = setup(() => (++n === 1 ? apiError(502, 'UPSTREAM_ERROR') : answered()))
    t.chat.send('look', [image])
    await t.settled()
    expect(t.message().status).toBe('failed')
    t.chat.retry(t.message().localId)
    await t.settled()
    t.chat.answerActions.regenerate(t.message().localId)
    await t.settled()
    expect(t.sendBodies().map((b: { attachments?: unknown }) => b.attachments)).toEqual([
      [{ fileId: 'f1' }],
      [{ fileId: 'f1' }],
      [{ fileId: 'f1' }],
    ])
  })

  it("should keep an answer to the bot's question text only", async () => {
    const t = setup((url) =>
      url.pathname === '/api/chat/reply'
        ? answered()
        : streamOf(
            sse(
              META,
              [1, 'action', { kind: 'reply', toolCallId: 't1' }],
              [2, 'done', { status: 'requires_action' }],
            ),
          ),
    )
    t.chat.send('book a room')
    await t.settled()
    expect(t.chat.send('', [image])).toBe(false) // attachments alone cannot answer it
    expect(t.chat.send('tomorrow', [image])).toBe(true)
    await t.settled()
    const reply = t.calls.find((c) => c.url.pathname === '/api/chat/reply')!
    expect(JSON.parse(reply.init.body as string)).toEqual({
      messageId: 'm1',
      toolCallId: 't1',
      text: 'tomorrow',
    })
    expect(t.message().attachments).toEqual([])
  })
})
