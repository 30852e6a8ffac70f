/**
 * The chat feature's declared interface: what other features may import (types only). The observer:
 * what the chat flow tells the rest of the service (metrics, audit) without knowing about them. Every
 * method is optional and must not throw; observers are combined with `combineObservers` (observer.ts).
 */
import type { MessageStatus } from '../store/types'
import type { SessionUser } from '../core/session-user'

export interface ChatContext {
  user: SessionUser
  messageId: string
  conversationId: string
  requestId?: string
  clientIp: string | null
  userAgent: string | null
}

export interface ChatObserver {
  chatStarted?(c: ChatContext): void
  firstToken?(c: ChatContext, msSinceAsked: number): void
  eventRelayed?(event: string): void
  chatEnded?(
    c: ChatContext,
    outcome: { status: Exclude<MessageStatus, 'in_progress'>; errorCode: string | null; durationMs: number },
  ): void
  /** A drain handed the answer to a peer: it ends elsewhere (recovery), not here (no `chatEnded`). */
  chatHandedOver?(c: ChatContext): void
  chatCancelled?(c: Omit<ChatContext, 'conversationId'> & { conversationId?: string }): void
  upstreamError?(code: string): void
  /** An archive write that failed (`t1` the question, `t3` the answer): the sweeper repairs T3. */
  archiveFailed?(write: 't1' | 't3'): void
  /** Coze's own code of a failed call or answer (SPEC §2.7), for `vc_coze_errors_total{code}`. */
  cozeError?(code: number): void
  streamResumed?(c: { user: SessionUser; messageId: string; fromSeq: number }): void
  sweeperRepaired?(c: { messageId: string; status: MessageStatus }): void
}
