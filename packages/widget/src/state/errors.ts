/**
 * How a failure reaches the user: a code for the message (`ChatError`, also the `vc-error` detail)
 * and, for conditions that outlast one message, a notice above the conversation.
 */
import { NETWORK_ERROR, VcApiError } from '../api/http'
import { StreamDroppedError } from '../api/stream'
import { TokenRefreshError } from './token'

export const STREAM_DROPPED = 'STREAM_DROPPED'

export interface ChatError {
  code: string
  message: string
  /** HTTP status when the service answered; 0 when it could not be reached. */
  status?: number
}

export type Notice =
  { kind: 'offline' } | { kind: 'rate-limited'; retryAfter?: number } | { kind: 'busy' } | { kind: 'auth' }

export function toChatError(err: unknown): ChatError {
  if (err instanceof VcApiError) return { code: err.code, message: err.message, status: err.status }
  if (err instanceof TokenRefreshError) return { code: 'TOKEN_INVALID', message: err.message, status: 401 }
  if (err instanceof StreamDroppedError) return { code: STREAM_DROPPED, message: err.message }
  return { code: 'UNKNOWN', message: String((err as Error)?.message ?? err) }
}

/** The notice a failure deserves, or undefined when the message's own error says enough. */
export function noticeFor(err: unknown, e: ChatError): Notice | undefined {
  if (e.code === NETWORK_ERROR) return { kind: 'offline' }
  if (e.status === 429) return { kind: 'rate-limited', retryAfter: (err as VcApiError).retryAfter }
  if (e.status === 503) return { kind: 'busy' }
  if (e.status === 401) return { kind: 'auth' }
  return undefined
}
