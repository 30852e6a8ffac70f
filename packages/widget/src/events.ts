/**
 * DOM events `<volcano-chat>` dispatches. Vue's custom element wraps emit arguments, so hosts read
 * `event.detail[0]` (vuejs/core `apiCustomElement.ts`); the Vue component (vue.ts) emits the payload
 * itself.
 */
import type { ChatError } from './state/errors'
import type { MessageStatus, Rating } from './state/chat'

export const VC_READY = 'vc-ready'
export const VC_ERROR = 'vc-error'
export const VC_MESSAGE = 'vc-message'
export const VC_TOKEN_EXPIRED = 'vc-token-expired'
export const VC_FEEDBACK = 'vc-feedback'
export const VC_OPEN = 'vc-open'
export const VC_CLOSE = 'vc-close'
export const VC_UNREAD = 'vc-unread'

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

/**
 * Answers that ended (`completed`, or the bot's question) while the panel was closed; 0 when the panel
 * opens again.
 */
export interface VcUnreadDetail {
  count: number
}

export interface VolcanoChatEventMap {
  /** The element is connected and rendered; `detail` is empty. */
  [VC_READY]: CustomEvent<[]>
  [VC_ERROR]: CustomEvent<[VcErrorDetail]>
  [VC_MESSAGE]: CustomEvent<[VcMessageDetail]>
  [VC_TOKEN_EXPIRED]: CustomEvent<[VcTokenExpiredDetail]>
  [VC_FEEDBACK]: CustomEvent<[VcFeedbackDetail]>
  /** The panel opened (launcher, `open()`, `send()`, the `open` attribute); `detail` is empty. */
  [VC_OPEN]: CustomEvent<[]>
  /** The panel closed; `detail` is empty. */
  [VC_CLOSE]: CustomEvent<[]>
  [VC_UNREAD]: CustomEvent<[VcUnreadDetail]>
}

/** What the Vue component's listeners receive: the payload, not a CustomEvent. */
export interface VolcanoChatEmits {
  [VC_READY]: []
  [VC_ERROR]: [VcErrorDetail]
  [VC_MESSAGE]: [VcMessageDetail]
  [VC_TOKEN_EXPIRED]: [VcTokenExpiredDetail]
  [VC_FEEDBACK]: [VcFeedbackDetail]
  [VC_OPEN]: []
  [VC_CLOSE]: []
  [VC_UNREAD]: [VcUnreadDetail]
}
