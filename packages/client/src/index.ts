/**
 * Website A's server-side client for the Chat Service's internal session API (SPEC §2.1).
 * It signs every call (v1) so the secret never leaves website A's backend, and verifies the service's
 * signed tool calls (SPEC §2.8).
 */
import { signRequest } from './sign.js'

export { canonicalString, createNonce, signature, signRequest, SIGNATURE_HEADERS } from './sign.js'
export type { SignInput } from './sign.js'
export { createMemoryNonceStore, verifyToolCall } from './verify.js'
export type {
  NonceStore,
  ToolCall,
  ToolCallErrorCode,
  ToolCallRequest,
  VerifyToolCallOptions,
  VerifyToolCallResult,
} from './verify.js'

export interface ChatServiceClientOptions {
  /** The Chat Service's base URL as website A's backend reaches it, e.g. `http://chat.internal:8081`. */
  baseUrl: string
  keyId: string
  secret: string
  /** Per-call timeout; default 10 s. */
  timeoutMs?: number
}

export interface CreateSessionInput {
  phone: string
  externalUserId?: string
  displayName?: string
  ttlSeconds?: number
  /** What the bot should know about the user (≤ 16; keys 1–64, values 1–512 characters): Coze's `custom_variables`. */
  variables?: Record<string, string>
}

export interface Session {
  token: string
  expiresAt: string
  sessionId: string
}

/** An error answered by the Chat Service, carrying its envelope (`code`, `requestId`). */
export class ChatServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message)
    this.name = 'ChatServiceError'
  }
}

/**
 * @example
 * const chat = createChatServiceClient({ baseUrl, keyId: 'site-a-2026', secret: process.env.VC_SECRET! })
 * const { token } = await chat.createSession({ phone: '13800138000' })
 */
export function createChatServiceClient(opts: ChatServiceClientOptions) {
  const base = opts.baseUrl.replace(/\/+$/, '')

  async function call<T>(path: string, payload: unknown): Promise<T> {
    const body = JSON.stringify(payload)
    const headers = signRequest({ keyId: opts.keyId, secret: opts.secret, method: 'POST', path, body })
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    })
    const text = await res.text()
    const json = parseJson(text)
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string; requestId?: string } } | undefined)
        ?.error
      throw new ChatServiceError(
        res.status,
        err?.code ?? 'HTTP_' + res.status,
        err?.message ?? (text.slice(0, 200) || res.statusText),
        err?.requestId ?? res.headers.get('x-request-id') ?? undefined,
      )
    }
    return json as T
  }

  return {
    createSession: (input: CreateSessionInput) => call<Session>('/api/internal/session/create', input),
    revokeSession: (input: { token: string } | { phone: string }) =>
      call<{ revoked: number }>('/api/internal/session/revoke', input),
  }
}

export type ChatServiceClient = ReturnType<typeof createChatServiceClient>

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined // not JSON: the caller reports the raw text
  }
}
