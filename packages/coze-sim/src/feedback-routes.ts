/**
 * Message feedback (coze-protocol.md §9 row 11; doc `message_feedback`; py
 * `conversations/message/feedback`, which js 1.3.9 lacks): `POST
 * /v1/conversations/:conversation_id/messages/:message_id/feedback` `{feedback_type: "like"|"unlike",
 * reason_types?, comment?}` rates one of Coze's answer messages; `DELETE` on the same path removes the
 * rating. Both answer `{code:0, msg:"", data:{}}` (py casts an empty model). Ratings are kept for tests
 * (`sim.feedback(messageId)`).
 */
import { ApiError, isRecord, MSG, sendData } from './reply'
import { pathParams, type Ctx, type Route } from './router'
import type { Store } from './store'

export interface SimFeedback {
  conversationId: string
  messageId: string
  feedbackType: 'like' | 'unlike'
  reasonTypes: string[]
  comment?: string
  at: number
}

const FEEDBACK_PATH = '/v1/conversations/:conversation_id/messages/:message_id/feedback'
/** UNVERIFIED: the §1.4 table names 4005/4006 "the specified message does not exist"; which one is ours is not documented. */
export const MESSAGE_MISSING = 4005

export function feedbackRoutes(store: Store, feedback: Map<string, SimFeedback>): Route[] {
  function answerOf(ctx: Ctx) {
    const p = pathParams(FEEDBACK_PATH, ctx.url.pathname)!
    const conversation = store.conversation(p.conversation_id!)
    if (!conversation) throw new ApiError(4002, MSG.conversationMissing)
    const message = conversation.messages.find((m) => m.id === p.message_id)
    if (!message) throw new ApiError(MESSAGE_MISSING, 'The specified message does not exist')
    // The doc: only `type=answer` messages can be rated (UNVERIFIED code for the others).
    if (message.type !== 'answer') throw new ApiError(4000, `${MSG.badRequest}: only answers can be rated`)
    return message
  }

  function rate(ctx: Ctx) {
    const message = answerOf(ctx)
    const body = ctx.json()
    if (!isRecord(body)) throw new ApiError(4000, MSG.badRequest)
    const { feedback_type, reason_types = [], comment } = body
    const valid =
      (feedback_type === 'like' || feedback_type === 'unlike') &&
      Array.isArray(reason_types) &&
      reason_types.every((r) => typeof r === 'string') &&
      (comment === undefined || typeof comment === 'string')
    if (!valid) throw new ApiError(4000, MSG.badRequest)
    feedback.set(message.id, {
      conversationId: message.conversation_id,
      messageId: message.id,
      feedbackType: feedback_type,
      reasonTypes: reason_types as string[],
      ...(comment === undefined ? {} : { comment }),
      at: Date.now(),
    })
    sendData(ctx.res, {})
  }

  function remove(ctx: Ctx) {
    feedback.delete(answerOf(ctx).id)
    sendData(ctx.res, {})
  }

  return [
    { methods: ['POST'], path: FEEDBACK_PATH, auth: true, api: 'messageFeedback', handle: rate },
    { methods: ['DELETE'], path: FEEDBACK_PATH, auth: true, api: 'messageFeedback', handle: remove },
  ]
}
