/**
 * The user's rating of an answer (SPEC §2.4 `POST /api/chat/feedback`, issue 21): kept with the message
 * and passed to Coze's message feedback API (coze-protocol §9 row 11). The archive is the record: when
 * Coze cannot take the rating (down, refused, the answer has no Coze message) it is logged and counted,
 * and the reply says `forwarded: false`, but the user's rating stands. Only the owner's answers (404
 * otherwise, like history).
 */
import type { Logger } from 'pino'
import type { CozeClient } from '../core/coze/client'
import { VcError } from '../core/errors'
import type { MessageRepository, MessageRow, Rating } from '../store/types'
import type { FeedbackBody } from '../core/wire'
import { failureOf } from './outcome'
import type { SessionUser } from '../core/session-user'

export interface FeedbackDeps {
  store: Pick<MessageRepository, 'getMessage' | 'setFeedback'>
  coze: Pick<CozeClient, 'listChatMessages' | 'messageFeedback'>
  log: Pick<Logger, 'warn'>
  /** A rating Coze did not take, by wire code (`vc_feedback_forward_failures_total`). */
  onForwardFailed?: (code: string) => void
}

export function createFeedback(d: FeedbackDeps) {
  /**
   * Coze's id of the answer message: archived with the answer (relay-read.ts), or for an answer archived
   * before that, read once from the chat's message list (and archived by `setFeedback`).
   */
  async function cozeMessageOf(row: MessageRow): Promise<string | undefined> {
    if (row.cozeMessageId) return row.cozeMessageId
    if (!row.cozeChatId) return undefined // refused before Coze started a chat: nothing to rate there
    const messages = await d.coze.listChatMessages(row.conversationId, row.cozeChatId)
    return messages.filter((m) => m.type === 'answer').at(-1)?.id
  }

  function forwardFailed(row: MessageRow, err: unknown): false {
    const failure = failureOf(err)
    d.log.warn({ messageId: row.id, code: failure.code, coze: failure.coze }, 'Coze did not take a rating')
    d.onForwardFailed?.(failure.code)
    return false
  }

  return {
    /**
     * Archives the rating (`null` removes it), then passes it to Coze.
     *
     * @example
     * await feedback.rate(user, { messageId, rating: 'like' }) // { messageId, rating: 'like', forwarded: true }
     */
    async rate(user: SessionUser, body: FeedbackBody) {
      const row = await d.store.getMessage(user.userId, body.messageId)
      if (!row) throw new VcError('VC_ERR_MESSAGE_NOT_FOUND')
      const rating: Rating | null = body.rating
      const comment = rating === null ? null : body.comment || null // '' (only spaces): none
      const cozeMessageId = await cozeMessageOf(row).catch((err: unknown) => void forwardFailed(row, err))
      await d.store.setFeedback(user.userId, row.id, {
        feedback: rating,
        comment,
        ...(cozeMessageId ? { cozeMessageId } : {}),
      })
      const forwarded = cozeMessageId
        ? await d.coze
            .messageFeedback({
              conversationId: row.conversationId,
              messageId: cozeMessageId,
              rating,
              ...(comment ? { comment } : {}),
            })
            .then(
              () => true,
              (err: unknown) => forwardFailed(row, err),
            )
        : false
      return { messageId: row.id, rating, forwarded }
    },
  }
}

export type Feedback = ReturnType<typeof createFeedback>
