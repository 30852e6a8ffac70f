/**
 * How an answer ends, in one place (SPEC §2.7): a Coze result or failure becomes one `Outcome`, and the
 * outcome alone decides the widget's terminal event, the archived status and, before the stream, the
 * HTTP error. Coze's own code, text and logid are kept for the archive and the operator, never for the
 * user: the wire carries the catalogue's code and message only.
 */
import { CozeApiError, upstreamFailure } from '../core/coze/client'
import { codes, VcError, wireCode, type ErrorKey, type WireCode } from '../core/errors'
import type { MessageStatus } from '../store/types'
import type { StreamEvent, Usage } from '../core/wire'

export type Outcome =
  { status: 'completed'; usage: Usage } | { status: 'requires_action'; usage: Usage } | Failure

export interface Failure {
  status: 'failed' | 'cancelled' | 'interrupted'
  code: WireCode
  message: string
  retryAfter?: number
  /** What Coze said, for the archive and the operator's log. */
  coze?: { code: number; msg: string; logid?: string }
}

/** Coze's business codes (coze-protocol §9 row 2) → the catalogue; seconds to wait where it is a limit. */
const COZE_CODES: Record<number, { key: ErrorKey; retryAfter?: number }> = {
  4008: { key: 'VC_ERR_UPSTREAM_BUSY', retryAfter: 3600 }, // the bot's daily limit
  4009: { key: 'VC_ERR_UPSTREAM_BUSY', retryAfter: 10 },
  4013: { key: 'VC_ERR_UPSTREAM_BUSY', retryAfter: 10 },
  4020: { key: 'VC_ERR_UPSTREAM_BUSY', retryAfter: 60 }, // requests per minute
  4010: { key: 'VC_ERR_CONTEXT_TOO_LONG' },
  4011: { key: 'VC_ERR_UPSTREAM_ACCOUNT' },
  4019: { key: 'VC_ERR_UPSTREAM_ACCOUNT' },
  4027: { key: 'VC_ERR_UPSTREAM_ACCOUNT' },
  4028: { key: 'VC_ERR_UPSTREAM_ACCOUNT' },
  788788103: { key: 'VC_ERR_UPSTREAM_ACCOUNT' },
  4012: { key: 'VC_ERR_UPSTREAM_MISCONFIGURED' },
  4015: { key: 'VC_ERR_UPSTREAM_MISCONFIGURED' },
  4101: { key: 'VC_ERR_UPSTREAM_FORBIDDEN' },
  4016: { key: 'VC_ERR_CONVERSATION_BUSY' },
}

/** Codes an operator must act on (credits, bot set-up, grants): logged as errors, not just counted. */
const OPERATOR_CODES = new Set<WireCode>(['UPSTREAM_ACCOUNT', 'UPSTREAM_MISCONFIGURED', 'UPSTREAM_FORBIDDEN'])
export const needsOperator = (f: Failure) => OPERATOR_CODES.has(f.code)

/** A Coze code (HTTP 200 + code, `last_error`, an `error` event) as a failure. */
export function cozeFailure(code: number, msg: string, logid?: string): Failure {
  const known = COZE_CODES[code]
  const key = known?.key ?? 'VC_ERR_UPSTREAM_ERROR'
  return {
    status: 'failed',
    code: wireCode(key),
    message: codes[key].message,
    ...(known?.retryAfter ? { retryAfter: known.retryAfter } : {}),
    coze: { code, msg: msg.slice(0, 500), ...(logid ? { logid } : {}) },
  }
}

/** Any error thrown on the way to or from Coze (client errors, network, catalogue errors). */
export function failureOf(err: unknown): Failure {
  if (err instanceof CozeApiError) {
    if (COZE_CODES[err.code] || (err.httpStatus < 500 && err.httpStatus !== 429)) {
      return cozeFailure(err.code, err.message, err.logid)
    }
    // An HTTP 5xx or 429 without a business code we know: Coze itself is down or shedding load.
    const coze = {
      code: err.code,
      msg: err.message.slice(0, 500),
      ...(err.logid ? { logid: err.logid } : {}),
    }
    return { ...vcFailure('VC_ERR_UPSTREAM_UNAVAILABLE'), coze }
  }
  const e = upstreamFailure(err)
  if (e instanceof VcError) return { status: 'failed', code: e.code, message: e.message }
  return vcFailure('VC_ERR_UPSTREAM_INTERRUPTED')
}

/** The answer was stopped on our side. */
export const stopped = {
  cancel: (): Failure => ({ ...vcFailure('VC_ERR_CANCELLED'), status: 'cancelled' }),
  shutdown: (): Failure => ({ ...vcFailure('VC_ERR_INTERRUPTED'), status: 'interrupted' }),
}

/** Coze's stream ended (`done`, or closed) with no outcome in it. */
export const noAnswer = (): Failure =>
  vcFailure('VC_ERR_UPSTREAM_INTERRUPTED', 'Coze ended the stream without an answer')

export const vcFailure = (key: ErrorKey, message?: string): Failure => ({
  status: 'failed',
  code: wireCode(key),
  message: message ?? codes[key].message,
})

/** The widget's terminal event. */
export function terminalEvent(o: Outcome): StreamEvent {
  if (isAnswered(o)) {
    return { event: 'done', data: { status: o.status, usage: o.usage } }
  }
  const data = { code: o.code, message: o.message, ...(o.retryAfter ? { retryAfter: o.retryAfter } : {}) }
  return { event: 'error', data }
}

/** Coze answered (a bot that asked the user a question has answered too): nothing of ours stops it now. */
export const isAnswered = (o: Outcome | null): o is Extract<Outcome, { usage: Usage }> =>
  o?.status === 'completed' || o?.status === 'requires_action'

/** The archived status (SPEC §4). A bot that asked the user a question has answered: `completed`. */
export function archivedStatus(o: Outcome | null): Exclude<MessageStatus, 'in_progress'> {
  if (!o) return 'failed'
  return o.status === 'requires_action' ? 'completed' : o.status
}

/** The error code counted with an ended answer (`chatEnded`): a failed one's, none otherwise. */
export const errorCodeOf = (o: Outcome | null, archived: MessageStatus): WireCode | null =>
  o && 'code' in o && archived === 'failed' ? o.code : null

const keyOf = (code: WireCode) => `VC_ERR_${code}` as ErrorKey

/** Before the stream: the JSON error (status, `Retry-After`) the widget gets instead of a 200. */
export function httpError(f: Failure): VcError {
  const key = keyOf(f.code)
  const headers = f.retryAfter ? { 'retry-after': String(f.retryAfter) } : undefined
  return new VcError(key, f.message, f.retryAfter ? { retryAfter: f.retryAfter } : undefined, headers)
}

/** A logged terminal event back to an outcome (resume and recovery read the stream log). */
export function outcomeOfEvent(e: StreamEvent): Outcome | null {
  if (e.event === 'done') return { status: e.data.status, usage: e.data.usage }
  if (e.event !== 'error') return null
  const code = e.data.code
  const status = code === 'CANCELLED' ? 'cancelled' : code === 'INTERRUPTED' ? 'interrupted' : 'failed'
  return { status, code, message: e.data.message }
}
