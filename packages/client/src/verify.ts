/**
 * Website A's side of the tool calls (SPEC §2.8): the Chat Service POSTs each Coze client-side plugin call
 * to website A's tool endpoint, signed with v1 (SPEC §2.1). This verifies it exactly as the service verifies
 * website A's own calls: key → timestamp window → signature (constant time) → nonce, so a forged request
 * cannot burn a nonce; only then is the body read.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { canonicalString, SIGNATURE_HEADERS } from './sign.js'

export const TIMESTAMP_WINDOW_SECONDS = 300
export const NONCE_TTL_SECONDS = 600
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/
const SIGNATURE_PATTERN = /^v1=[0-9a-f]{64}$/
const ID_MAX = 256
const ARGUMENTS_MAX = 256 * 1024

export type ToolCallErrorCode =
  'SIGNATURE_INVALID' | 'TIMESTAMP_OUT_OF_WINDOW' | 'NONCE_REPLAYED' | 'UNKNOWN_KEY' | 'BAD_REQUEST'

/** The request as website A's server received it. */
export interface ToolCallRequest {
  method: string
  /** Path with query exactly as received (`req.url` in `node:http`). */
  url: string
  headers: Record<string, string | string[] | undefined>
  /** The raw body bytes (or their UTF-8 text). */
  body: string | Uint8Array
}

/** The body the service sends (SPEC §2.8). */
export interface ToolCall {
  toolCallId: string
  /** The plugin's name as configured on the bot. */
  name: string
  /** Coze's arguments as it gave them: a JSON text. */
  arguments: string
  /** `arguments` parsed; `undefined` when it is not JSON. */
  args: unknown
  /** The Chat Service session (from `createSession`) of the user the bot acts for. */
  sessionId: string
  externalUserId?: string
  conversationId: string
  messageId: string
}

export type VerifyToolCallResult =
  | { ok: true; keyId: string; call: ToolCall }
  | { ok: false; code: ToolCallErrorCode; message: string; status: 400 | 401 }

/**
 * Remembers nonces. `spend` answers `false` when the key was spent within `ttlMs`. A website A with
 * several instances passes a shared one (e.g. Redis `SET key 1 NX PX ttl`).
 */
export interface NonceStore {
  spend(key: string, o: { ttlMs: number; nowMs: number }): boolean | Promise<boolean>
}

/** One process's nonces; expired entries are dropped at most once a minute, on a spend. */
export function createMemoryNonceStore(): NonceStore {
  const seen = new Map<string, number>()
  let nextSweep = 0
  return {
    spend(key, { ttlMs, nowMs }) {
      if (nowMs >= nextSweep) {
        for (const [k, until] of seen) if (until <= nowMs) seen.delete(k)
        nextSweep = nowMs + 60_000
      }
      const until = seen.get(key)
      if (until !== undefined && until > nowMs) return false
      seen.set(key, nowMs + ttlMs)
      return true
    },
  }
}

const defaultNonces = createMemoryNonceStore()

export interface VerifyToolCallOptions {
  /** Key id → secret: the service's `TOOLS_KEY_ID` / `TOOLS_SECRET` (several during a rotation). */
  keys: ReadonlyMap<string, string> | Readonly<Record<string, string>>
  nowMs?: number
  /** Default: one in-memory store for the process. */
  nonceStore?: NonceStore
}

const fail = (code: ToolCallErrorCode, message: string): VerifyToolCallResult => ({
  ok: false,
  code,
  message,
  status: code === 'BAD_REQUEST' ? 400 : 401,
})

const header = (h: ToolCallRequest['headers'], name: string) => {
  const v = h[name]
  return Array.isArray(v) ? undefined : v // a repeated signing header is ambiguous: treat as missing
}

const secretOf = (keys: VerifyToolCallOptions['keys'], id: string): string | undefined =>
  keys instanceof Map
    ? keys.get(id)
    : Object.hasOwn(keys, id)
      ? (keys as Record<string, string>)[id]
      : undefined

/**
 * Verifies a signed tool call and reads its body. Never throws for a bad request; answer
 * `result.status` with `result.code` when `ok` is false.
 * @example
 * const result = await verifyToolCall({ method: req.method!, url: req.url!, headers: req.headers, body },
 *   { keys: { 'tools-2026': process.env.TOOLS_SECRET! } })
 * if (!result.ok) return res.writeHead(result.status).end(JSON.stringify({ error: result.code }))
 * const { name, args, sessionId } = result.call
 */
export async function verifyToolCall(
  req: ToolCallRequest,
  opts: VerifyToolCallOptions,
): Promise<VerifyToolCallResult> {
  const keyId = header(req.headers, SIGNATURE_HEADERS.keyId)
  const timestamp = header(req.headers, SIGNATURE_HEADERS.timestamp)
  const nonce = header(req.headers, SIGNATURE_HEADERS.nonce)
  const sig = header(req.headers, SIGNATURE_HEADERS.signature)
  if (!keyId || !timestamp || !nonce || !sig)
    return fail('SIGNATURE_INVALID', 'Missing X-VC-Key-Id, X-VC-Timestamp, X-VC-Nonce or X-VC-Signature')
  const secret = secretOf(opts.keys, keyId)
  if (secret === undefined) return fail('UNKNOWN_KEY', 'Unknown X-VC-Key-Id')
  const nowMs = opts.nowMs ?? Date.now()
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > TIMESTAMP_WINDOW_SECONDS)
    return fail('TIMESTAMP_OUT_OF_WINDOW', 'X-VC-Timestamp is more than 300 s from this clock')
  if (!NONCE_PATTERN.test(nonce))
    return fail('SIGNATURE_INVALID', 'X-VC-Nonce must be 16–64 of [A-Za-z0-9_-]')
  if (!SIGNATURE_PATTERN.test(sig)) return fail('SIGNATURE_INVALID', 'X-VC-Signature must be v1=<64 hex>')
  const expected = createHmac('sha256', secret)
    .update(canonicalString({ method: req.method, path: req.url, timestamp, nonce, body: req.body }))
    .digest()
  if (!timingSafeEqual(expected, Buffer.from(sig.slice(3), 'hex')))
    return fail('SIGNATURE_INVALID', 'X-VC-Signature does not match')
  const store = opts.nonceStore ?? defaultNonces
  if (!(await store.spend(`${keyId}:${nonce}`, { ttlMs: NONCE_TTL_SECONDS * 1000, nowMs })))
    return fail('NONCE_REPLAYED', 'X-VC-Nonce was used before')
  const call = parseToolCall(req.body)
  return typeof call === 'string' ? fail('BAD_REQUEST', call) : { ok: true, keyId, call }
}

/** The body, or what is wrong with it. */
function parseToolCall(raw: string | Uint8Array): ToolCall | string {
  let body: unknown
  try {
    body = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'))
  } catch {
    return 'body is not JSON'
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object'
  const b = body as Record<string, unknown>
  for (const field of ['toolCallId', 'name', 'sessionId', 'conversationId', 'messageId'] as const) {
    const v = b[field]
    if (typeof v !== 'string' || v.length === 0 || v.length > ID_MAX)
      return `${field} must be a string of 1–${ID_MAX} characters`
  }
  if (typeof b.arguments !== 'string' || b.arguments.length > ARGUMENTS_MAX)
    return `arguments must be a JSON text of at most ${ARGUMENTS_MAX} characters`
  const ext = b.externalUserId
  if (ext !== undefined && ext !== null && (typeof ext !== 'string' || ext.length > ID_MAX))
    return `externalUserId must be a string of at most ${ID_MAX} characters`
  let args: unknown
  try {
    args = b.arguments === '' ? {} : JSON.parse(b.arguments)
  } catch {
    args = undefined
  }
  return {
    toolCallId: b.toolCallId as string,
    name: b.name as string,
    arguments: b.arguments,
    args,
    sessionId: b.sessionId as string,
    ...(typeof ext === 'string' && ext ? { externalUserId: ext } : {}),
    conversationId: b.conversationId as string,
    messageId: b.messageId as string,
  }
}
