/**
 * Which Coze message a rating goes to (SPEC §2.4): the answer message id archived with the answer, or,
 * for an answer archived before the relay captured it, the chat's last answer read once from Coze.
 */
import { expect, it } from 'vitest'
import type { CozeClient } from '../core/coze/client'
import type { CozeMessage } from '../core/coze/events'
import type { FeedbackUpdate, MessageRow } from '../store/types'
import { createFeedback } from './feedback'
import type { SessionUser } from '../core/session-user'

const user = { userId: 'u-1' } as SessionUser
const row = (over: Partial<MessageRow>) =>
  ({
    id: 'm-1',
    userId: 'u-1',
    conversationId: 'c-1',
    cozeChatId: 'chat-1',
    cozeMessageId: null,
    ...over,
  }) as MessageRow

function setUp(stored: MessageRow) {
  const lists: string[] = []
  const rated: string[] = []
  const saved: FeedbackUpdate[] = []
  const answer = (id: string, type: string) => ({ id, type, role: 'assistant' }) as CozeMessage
  const coze = {
    listChatMessages: async (_c: string, chatId: string) => {
      lists.push(chatId)
      return [
        answer('q', 'question'),
        answer('a-1', 'answer'),
        answer('a-2', 'answer'),
        answer('f', 'follow_up'),
      ]
    },
    messageFeedback: async (i: { messageId: string }) => void rated.push(i.messageId),
  } as unknown as CozeClient
  const store = {
    getMessage: async () => stored,
    setFeedback: async (_u: string, _id: string, update: FeedbackUpdate) => void saved.push(update),
  }
  const feedback = createFeedback({ store, coze, log: { warn: () => {} } })
  return { feedback, lists, rated, saved }
}

it('should rate the answer message id archived with the answer, without asking Coze for it', async () => {
  const s = setUp(row({ cozeMessageId: 'a-archived' }))
  expect(await s.feedback.rate(user, { messageId: 'm-1', rating: 'like' })).toMatchObject({ forwarded: true })
  expect(s.lists).toEqual([])
  expect(s.rated).toEqual(['a-archived'])
})

it("should read an older answer's id from Coze's message list once, and archive it", async () => {
  const s = setUp(row({}))
  await s.feedback.rate(user, { messageId: 'm-1', rating: 'unlike' })
  expect(s.lists).toEqual(['chat-1'])
  expect(s.rated).toEqual(['a-2']) // the chat's last answer message
  expect(s.saved[0]).toMatchObject({ feedback: 'unlike', cozeMessageId: 'a-2' })
})
