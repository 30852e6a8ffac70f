/**
 * How a failure reaches the user: a code for the message (`ChatError`, also the `vc-error` detail)
 * and, for conditions that outlast one message, a notice above the conversation. What the user reads
 * comes from the code alone (`errorText`): the service's `message` (Coze's English text, a logid) only
 * ever reaches the host page through `vc-error`.
 */
import { NETWORK_ERROR, VcApiError } from '../api/http'
import { StreamDroppedError } from '../api/stream'
import type { MessageKey, Translate } from '../i18n'
import { TokenRefreshError } from './token'

export const STREAM_DROPPED = 'STREAM_DROPPED'
/**
 * Widget-only, on the answer: a `409 CONVERSATION_BUSY` that names no running answer. The service
 * names one whenever an answer holds the conversation (relay-lock.ts), so this is a new topic being
 * started (another tab's clear); the host still hears `CONVERSATION_BUSY`.
 */
export const CONVERSATION_UPDATING = 'CONVERSATION_UPDATING'
/**
 * Widget-only, on the answer: a question refused with `409 CONVERSATION_BUSY` whose running answer is
 * over since (followed to its end, or the service no longer has it): asking again can work now. The
 * host heard `CONVERSATION_BUSY` once, when it was refused.
 */
export const PREVIOUS_ENDED = 'PREVIOUS_ANSWER_ENDED'

export interface ChatError {
  code: string
  message: string
  /** HTTP status when the service answered; 0 when it could not be reached. */
  status?: number
  /** Seconds to wait before asking again (`Retry-After`, or `retryAfter` of an `error` event). */
  retryAfter?: number
}

export type Notice =
  | { kind: 'offline' }
  | { kind: 'auth' }
  /** A dropped answer stream is being resumed (SPEC §2.3). */
  | { kind: 'reconnecting' }
  /**
   * The service refused for a while (429, 503): the text comes from the code like a message's.
   * `until` (ms since the epoch) is when the wait of `retryAfter` ends: the notice counts down to it.
   */
  | { kind: 'error'; code: string; retryAfter?: number; until?: number }

export function toChatError(err: unknown): ChatError {
  if (err instanceof VcApiError)
    return {
      code: err.code,
      message: err.message,
      status: err.status,
      ...(err.retryAfter === undefined ? {} : { retryAfter: err.retryAfter }),
    }
  if (err instanceof TokenRefreshError) return { code: 'TOKEN_INVALID', message: err.message, status: 401 }
  if (err instanceof StreamDroppedError) return { code: STREAM_DROPPED, message: err.message }
  return { code: 'UNKNOWN', message: String((err as Error)?.message ?? err) }
}

/** The code a failed answer keeps: `e.code`, except a 409 with nothing to re-attach to. */
export function answerCode(err: unknown, e: ChatError): string {
  const unnamed = err instanceof VcApiError && err.status === 409 && err.messageId === undefined
  return unnamed && e.code === 'CONVERSATION_BUSY' ? CONVERSATION_UPDATING : e.code
}

/**
 * Whether a refusal before the answer holds the next question back: offline, or a wait the service
 * named (`Retry-After`). An error event inside the answer never does: the answer shows that one.
 */
export function blocksSending(e: { code: string; retryAfter?: number; fromStream?: boolean }): boolean {
  return !e.fromStream && (e.code === NETWORK_ERROR || e.retryAfter !== undefined)
}

/**
 * The notice a failure deserves, or undefined when the message's own error says enough. One place per
 * error: a failed answer (`answer`) gets a notice only when sending is blocked (offline, a wait to count
 * down); anything else (history, cancel, a new topic) has no answer to show it, so the notice does.
 */
export function noticeFor(err: unknown, e: ChatError, now = Date.now(), answer = false): Notice | undefined {
  if (answer && !blocksSending(e)) return undefined
  if (e.code === NETWORK_ERROR) return { kind: 'offline' }
  if (e.status === 401) return { kind: 'auth' }
  // Any named wait gets the countdown: `blocksSending` told the answer the notice says why.
  if (e.status === 429 || e.status === 503 || e.retryAfter !== undefined)
    return {
      kind: 'error',
      code: e.code,
      ...(e.retryAfter === undefined ? {} : { retryAfter: e.retryAfter, until: now + e.retryAfter * 1000 }),
    }
  return undefined
}

/** Whole seconds left of a notice's wait, or undefined when it names none. */
export function secondsLeft(n: Notice | null, now = Date.now()): number | undefined {
  if (n?.kind !== 'error' || n.until === undefined) return undefined
  return Math.max(0, Math.ceil((n.until - now) / 1000))
}

/** SPEC §2.7 and the service's other codes → what the user reads; `{s}` is the wait in seconds. */
const CODE_TEXT: Record<string, MessageKey | [withWait: MessageKey, withoutWait: MessageKey]> = {
  TOKEN_INVALID: 'auth',
  RATE_LIMITED: ['rateLimited', 'rateLimitedSoon'],
  UPSTREAM_BUSY: ['upstreamBusy', 'upstreamBusySoon'],
  CONTEXT_TOO_LONG: 'contextTooLong',
  UPSTREAM_ACCOUNT: 'unavailable',
  UPSTREAM_MISCONFIGURED: 'unavailable',
  UPSTREAM_FORBIDDEN: 'forbidden',
  UPSTREAM_ERROR: 'unknown',
  UPSTREAM_UNAVAILABLE: ['busyWait', 'busy'],
  NOT_READY: ['busyWait', 'busy'],
  DEPENDENCY_UNAVAILABLE: ['busyWait', 'busy'],
  UPSTREAM_TIMEOUT: 'timeout',
  UPSTREAM_INTERRUPTED: 'interrupted',
  INTERRUPTED: 'interrupted',
  CANCELLED: 'cancelled',
  CONVERSATION_BUSY: 'conversationBusy',
  [CONVERSATION_UPDATING]: 'conversationUpdating',
  [PREVIOUS_ENDED]: 'previousEnded',
  // A send naming an upload the service no longer has: asking again cannot help, adding it again can.
  FILE_NOT_FOUND: 'attachGone',
  HTTP_502: ['busyWait', 'busy'],
  HTTP_503: ['busyWait', 'busy'],
  HTTP_504: ['busyWait', 'busy'],
  [NETWORK_ERROR]: 'offline',
  [STREAM_DROPPED]: 'streamDropped',
}

/**
 * The user's words for a failure, from its code; an unknown code gets the generic text.
 * @example errorText(createTranslator('zh-CN'), { code: 'UPSTREAM_BUSY', retryAfter: 5 }) // '助手太忙了，请 5 秒后再试。'
 */
export function errorText(t: Translate, e: { code: string; retryAfter?: number }): string {
  const entry = Object.hasOwn(CODE_TEXT, e.code) ? CODE_TEXT[e.code]! : 'unknown'
  if (typeof entry === 'string') return t(entry)
  return e.retryAfter === undefined ? t(entry[1]) : t(entry[0], { s: e.retryAfter })
}

/**
 * What a failed answer itself says. When the notice speaks for the failure (`blocksSending`: offline,
 * or the wait it counts down) the answer says only that the question waits or was not sent, so the
 * reason is shown once (issue 21: "503 text shown twice").
 */
export function answerErrorText(
  t: Translate,
  e: { code: string; retryAfter?: number; fromStream?: boolean },
): string {
  if (blocksSending(e)) return t(e.code === NETWORK_ERROR ? 'waitingToSend' : 'notSent')
  return errorText(t, e)
}
