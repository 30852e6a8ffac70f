/**
 * The one error catalogue (SPEC §2). Services throw `new VcError('VC_ERR_…')`; `core/http/error-handler.ts`
 * alone turns errors into the envelope `{"error":{code,message,requestId}}`, and SSE `error` events use
 * the same wire codes. `errors.test.ts` keeps this table and SPEC.md in step.
 */
export const codes = {
  VC_ERR_BAD_REQUEST: { status: 400, message: 'The request is not valid' },
  VC_ERR_TOKEN_INVALID: { status: 401, message: 'Session token is missing, unknown or expired' },
  VC_ERR_SIGNATURE_INVALID: { status: 401, message: 'Request signature is missing or does not match' },
  VC_ERR_TIMESTAMP_OUT_OF_WINDOW: {
    status: 401,
    message: 'Request timestamp is too far from the server clock',
  },
  VC_ERR_NONCE_REPLAYED: { status: 401, message: 'Request nonce was already used' },
  VC_ERR_UNKNOWN_KEY: { status: 401, message: 'Signing key id is not known' },
  VC_ERR_IP_NOT_ALLOWED: { status: 403, message: 'Client address is not allowed' },
  VC_ERR_NOT_FOUND: { status: 404, message: 'No such route' },
  VC_ERR_CONVERSATION_NOT_FOUND: { status: 404, message: 'Conversation not found' },
  VC_ERR_MESSAGE_NOT_FOUND: { status: 404, message: 'Message not found' },
  VC_ERR_FILE_NOT_FOUND: { status: 404, message: 'File not found' },
  VC_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this route' },
  VC_ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  VC_ERR_CONVERSATION_BUSY: { status: 409, message: 'An answer is still being generated' },
  VC_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body is too large' },
  VC_ERR_CONTEXT_TOO_LONG: {
    status: 413,
    message: 'The conversation is too long for the model; start a new topic',
  },
  VC_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Only application/json is accepted' },
  // Attachments (SPEC §2.4 `POST /api/chat/files`): the type is read from the bytes.
  VC_ERR_FILE_TOO_LARGE: { status: 413, message: 'The file is too large' },
  VC_ERR_FILE_TYPE_NOT_ALLOWED: {
    status: 415,
    message: 'Only images (png, jpeg, gif, webp), pdf, txt/md/csv and docx/xlsx/pptx files are accepted',
  },
  VC_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  VC_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'Request headers are too large' },
  VC_ERR_UPSTREAM_BUSY: { status: 429, message: 'The assistant is busy; try again shortly' },
  VC_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  VC_ERR_UPSTREAM_ERROR: { status: 502, message: 'Coze answered with an error' },
  VC_ERR_UPSTREAM_UNAVAILABLE: { status: 503, message: 'Coze cannot be reached' },
  VC_ERR_NOT_READY: { status: 503, message: 'Service is not ready' },
  VC_ERR_DEPENDENCY_UNAVAILABLE: {
    status: 503,
    message: 'A storage dependency (MySQL or Redis) is unavailable; try again shortly',
  },
  // SPEC §2.7: Coze business codes an operator must act on, and one API not granted to the app.
  VC_ERR_UPSTREAM_ACCOUNT: {
    status: 503,
    message: 'The assistant is temporarily unavailable (Coze account)',
  },
  VC_ERR_UPSTREAM_MISCONFIGURED: {
    status: 503,
    message: 'The assistant is temporarily unavailable (Coze bot configuration)',
  },
  VC_ERR_UPSTREAM_FORBIDDEN: { status: 503, message: 'This feature is not enabled for the assistant' },
  VC_ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'Coze did not answer in time' },
  // Stream-only codes: sent as SSE `error` events after the 200 response has started.
  VC_ERR_UPSTREAM_INTERRUPTED: { status: 502, message: 'The answer stream from Coze broke off' },
  VC_ERR_CANCELLED: { status: 499, message: 'The answer was cancelled' },
  VC_ERR_INTERRUPTED: {
    status: 503,
    message: 'The instance answering shut down or died before the answer ended',
  },
  // Voice (issue 7): refusals at the ticket or the WebSocket upgrade; the last three only as `error` frames.
  VC_ERR_TICKET_INVALID: {
    status: 401,
    message: 'Voice ticket is missing, unknown, used, expired, or not for this connection',
  },
  VC_ERR_ORIGIN_NOT_ALLOWED: { status: 403, message: 'The page origin is not allowed' },
  VC_ERR_EVENT_NOT_ALLOWED: { status: 400, message: 'This event is not accepted on this voice connection' },
  VC_ERR_VOICE_IDLE_TIMEOUT: {
    status: 408,
    message: 'Nothing was sent on the voice connection for too long',
  },
  VC_ERR_VOICE_TIME_LIMIT: { status: 408, message: 'The voice connection reached its maximum duration' },
} as const satisfies Record<`VC_ERR_${string}`, { status: number; message: string }>

export type ErrorKey = keyof typeof codes
export type WireCode = ErrorKey extends `VC_ERR_${infer C}` ? C : never

/** 'VC_ERR_TOKEN_INVALID' → 'TOKEN_INVALID'. */
export const wireCode = (key: ErrorKey) => key.slice('VC_ERR_'.length) as WireCode

export class VcError extends Error {
  readonly status: number
  readonly code: WireCode

  constructor(
    readonly key: ErrorKey,
    message?: string,
    /** Extra fields merged into the envelope's `error` object (e.g. `messageId` for 409). */
    readonly extra?: Record<string, unknown>,
    /** Response headers to add (e.g. `Retry-After`). */
    readonly headers?: Record<string, string>,
  ) {
    super(message ?? codes[key].message)
    this.name = 'VcError'
    this.status = codes[key].status
    this.code = wireCode(key)
  }
}

export const isVcError = (e: unknown): e is VcError => e instanceof VcError
