// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { formatBytes, toAttachments } from './attachment'
import { applyEvent, initialState, type ChatEvent } from '../state/chat'

const image = { fileId: 'f1', name: 'cat.png', kind: 'image', mime: 'image/png', bytes: 2048 }
const doc = { fileId: 'f2', name: 'plan.pdf', kind: 'file', mime: 'application/pdf', bytes: 1_500_000 }

describe('attachments from the wire', () => {
  it('should keep what is an attachment, in order, and drop the rest', () => {
    expect(toAttachments([image, null, { name: 'no id' }, doc])).toEqual([image, doc])
    expect(toAttachments(undefined)).toEqual([])
    expect(toAttachments({ fileId: 'x' })).toEqual([])
    // An unknown kind is shown as a file (no thumbnail is asked for it); missing fields get defaults.
    expect(toAttachments([{ fileId: 'f3', kind: 'video' }])).toEqual([
      { fileId: 'f3', name: 'f3', kind: 'file', mime: '', bytes: 0 },
    ])
  })

  it('should size a file chip', () => {
    expect([12, 2048, 1_500_000, 34_000_000].map(formatBytes)).toEqual(['12 B', '2 KB', '1.5 MB', '34 MB'])
  })
})

describe('attachments on the question', () => {
  const history = (attachments?: unknown): ChatEvent => ({
    type: 'history',
    conversationId: 'c1',
    nextBefore: null,
    items: [
      {
        messageId: 'm1',
        conversationId: 'c1',
        question: '',
        answer: 'a cat',
        status: 'completed',
        askedAt: '2026-12-06T20:00:00Z',
        ...(attachments === undefined ? {} : { attachments }),
      },
    ],
  })

  it("should map history's attachments onto the question", () => {
    const s = applyEvent(initialState(), history([image, doc]))
    expect(s.messages[0]).toMatchObject({ question: '', attachments: [image, doc] })
    expect(applyEvent(initialState(), history()).messages[0]!.attachments).toEqual([])
    expect(applyEvent(initialState(), history('junk')).messages[0]!.attachments).toEqual([])
  })

  it('should keep a sent question with its attachments, also when it is sent again', () => {
    const asked: ChatEvent = {
      type: 'asked',
      localId: 'l1',
      question: '',
      clientMessageId: 'u1',
      attachments: [image as never],
    }
    let s = applyEvent(initialState(), asked)
    expect(s.messages[0]!.attachments).toEqual([image])
    s = applyEvent(s, { type: 'failed', localId: 'l1', code: 'NETWORK_ERROR', message: '' })
    s = applyEvent(s, { type: 'resent', localId: 'l1', clientMessageId: 'u1' })
    expect(s.messages[0]).toMatchObject({ status: 'pending', attachments: [image] })
    expect(applyEvent(initialState(), { ...asked, attachments: undefined }).messages[0]!.attachments).toEqual(
      [],
    )
  })
})
