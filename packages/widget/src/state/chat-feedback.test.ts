// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { askedWith, meta, run } from './chat.fixtures'

const asked = askedWith('你好')
const item = (feedback?: string) => ({
  messageId: 'h1',
  conversationId: 'c1',
  question: 'q',
  answer: 'a',
  status: 'completed',
  askedAt: '2025-01-01T00:00:00Z',
  ...(feedback === undefined ? {} : { feedback }),
})

describe('applyEvent rated', () => {
  it('should keep the rating on the message and take it back with null', () => {
    expect(run([asked, meta]).messages[0]!.feedback).toBeNull()
    const liked = run([asked, meta, { type: 'rated', localId: 'l1', rating: 'like' }])
    expect(liked.messages[0]!.feedback).toBe('like')
    expect(run([{ type: 'rated', localId: 'l1', rating: null }], liked).messages[0]!.feedback).toBeNull()
  })

  it('should leave the state alone for the same rating or an unknown message', () => {
    const liked = run([asked, meta, { type: 'rated', localId: 'l1', rating: 'like' }])
    expect(run([{ type: 'rated', localId: 'l1', rating: 'like' }], liked)).toBe(liked)
    expect(run([{ type: 'rated', localId: 'nope', rating: 'unlike' }], liked)).toBe(liked)
  })
})

describe('applyEvent history feedback', () => {
  it("should take history's rating and ignore one it does not know", () => {
    const page = (feedback?: string) =>
      run([{ type: 'history', conversationId: 'c1', items: [item(feedback)], nextBefore: null }]).messages[0]!
    expect(page('unlike').feedback).toBe('unlike')
    expect(page().feedback).toBeNull()
    expect(page('love').feedback).toBeNull()
  })
})
