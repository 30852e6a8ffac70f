/**
 * DOM events `<volcano-chat>` dispatches. Vue's custom element wraps emit arguments, so hosts read
 * `event.detail[0]` (vuejs/core `apiCustomElement.ts`).
 */
import type { ChatError } from './state/errors'
import type { MessageStatus, Rating } from './state/chat'

export const VC_READY = 'vc-ready'
export const VC_ERROR = 'vc-error'
export const VC_MESSAGE = 'vc-message'
export const VC_TOKEN_EXPIRED = 'vc-token-expired'
export const VC_FEEDBACK = 'vc-feedback'

export type VcErrorDetail = ChatError

/** An answer reached its end (completed, failed, cancelled or interrupted). */
export interface VcMessageDetail {
  messageId: string | null
  conversationId: string | null
  question: string
  answer: string
  status: MessageStatus
}

/** The host answers by setting the element's `token` (or by a `tokenProvider` set beforehand). */
export interface VcTokenExpiredDetail {
  reason: 'missing' | 'invalid'
}

/** The user rated an answer and the service archived it (`rating` null: the rating was taken back). */
export interface VcFeedbackDetail {
  messageId: string
  rating: Rating | null
  comment?: string
}

export interface VolcanoChatEventMap {
  /** The element is connected and rendered; `detail` is empty. */
  [VC_READY]: CustomEvent<[]>
  [VC_ERROR]: CustomEvent<[VcErrorDetail]>
  [VC_MESSAGE]: CustomEvent<[VcMessageDetail]>
  [VC_TOKEN_EXPIRED]: CustomEvent<[VcTokenExpiredDetail]>
  [VC_FEEDBACK]: CustomEvent<[VcFeedbackDetail]>
}
