/**
 * The one fetch wrapper: adds the bearer token, maps the error envelope
 * `{"error":{code,message,requestId}}` (SPEC §2) and network failures to `VcApiError`.
 */
import type { Req } from './endpoints'

/** `status` 0 means the request never got an HTTP answer (offline, DNS, CORS, reset). */
export class VcApiError extends Error {
  override name = 'VcApiError'
  readonly status: number
  readonly code: string
  readonly requestId?: string
  /** Seconds to wait, from `Retry-After` (429/503). */
  readonly retryAfter?: number
  /** `409 CONVERSATION_BUSY` names the answer still running (SPEC §2.2). */
  readonly messageId?: string

  constructor(init: {
    status: number
    code: string
    message: string
    requestId?: string
    retryAfter?: number
    messageId?: string
  }) {
    super(init.message)
    this.status = init.status
    this.code = init.code
    this.requestId = init.requestId
    this.retryAfter = init.retryAfter
    this.messageId = init.messageId
  }
}

export const NETWORK_ERROR = 'NETWORK_ERROR'

export interface RequestOptions {
  token: string
  signal?: AbortSignal
  fetch?: typeof fetch
}

/**
 * Sends `req` with `Authorization: Bearer <token>`; resolves only with a 2xx response.
 * @example const res = await request(endpoints.conversations(base), { token })
 */
export async function request(req: Req, opts: RequestOptions): Promise<Response> {
  const doFetch = opts.fetch ?? globalThis.fetch
  let res: Response
  try {
    res = await doFetch(req.url, {
      ...req.init,
      headers: { ...req.init.headers, Authorization: `Bearer ${opts.token}` },
      signal: opts.signal,
    })
  } catch (err) {
    if (opts.signal?.aborted) throw err
    throw new VcApiError({ status: 0, code: NETWORK_ERROR, message: String((err as Error)?.message ?? err) })
  }
  if (res.ok) return res
  throw await toApiError(res)
}

/** Like `request`, then parses the JSON body. */
export async function requestJson<T>(req: Req, opts: RequestOptions): Promise<T> {
  const res = await request(req, opts)
  return (await res.json()) as T
}

/** Maps a non-2xx response; bodies that are not our envelope (a proxy's HTML page) get `HTTP_<status>`. */
export async function toApiError(res: Response, now = Date.now()): Promise<VcApiError> {
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined // not JSON: fall back to the status below
  }
  const env = (body as { error?: Record<string, unknown> } | undefined)?.error
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined)
  return new VcApiError({
    status: res.status,
    code: str(env?.code) ?? `HTTP_${res.status}`,
    message: str(env?.message) ?? (res.statusText || `HTTP ${res.status}`),
    requestId: str(env?.requestId) ?? res.headers.get('X-Request-Id') ?? undefined,
    messageId: str(env?.messageId),
    retryAfter: parseRetryAfter(res.headers.get('Retry-After'), now),
  })
}

/** `Retry-After` is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, Math.ceil((at - now) / 1000))
}
