/**
 * Website A's server-to-server endpoints (SPEC §2.1): JSON only, then the v1 signature, then the nonce
 * and (session/create) the per-key rate limit, together. The address allowlist and the per-address limit
 * ran before, in onRequest (`app/http/guards.ts`), before the body was read. Every outcome is audited
 * (refusals by `audit/denials.ts`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Audit } from '../audit/types'
import { isVcError, VcError } from '../core/errors'
import { installJsonBody } from '../core/http/body'
import { checkSignature, spendNonce } from '../core/http/s2s-signature'
import type { Kv } from '../core/kv/types'
import { sessionCreateBody, sessionRevokeBody } from '../core/wire'
import type { Sessions } from './sessions'

declare module 'fastify' {
  interface FastifyRequest {
    s2sKeyId?: string
  }
  interface FastifyContextConfig {
    /** The route spends a point of the per-key limit (session/create). */
    s2sLimited?: boolean
  }
}

export interface SessionRoutesOptions {
  sessions: Sessions
  kv: Kv
  keys: ReadonlyMap<string, string>
  audit: Audit
  /** Per-key rate limit on session/create (after the signature); `refund` gives a replay's point back. */
  limit?: {
    take: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    refund: (request: FastifyRequest) => Promise<void>
  }
  now?: () => number
}

/** 16 `variables` of 64 + 512 Chinese characters are ≈ 28 KB; anything over this is not website A. */
const S2S_BODY_LIMIT = 32 * 1024
const JSON_TYPE = /^application\/json\s*(;|$)/i

export async function sessionRoutes(app: FastifyInstance, o: SessionRoutesOptions) {
  installJsonBody(app, { keepRaw: true }) // the signature covers the bytes as sent
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    // Even an empty body must be declared JSON: a signed call is never anything else.
    if (!JSON_TYPE.test(request.headers['content-type'] ?? ''))
      throw new VcError('VC_ERR_UNSUPPORTED_MEDIA_TYPE')
    const signed = checkSignature(
      {
        method: request.method,
        url: request.raw.url ?? '',
        headers: request.headers,
        body: request.rawBody ?? Buffer.alloc(0),
      },
      { keys: o.keys, nowMs: (o.now ?? Date.now)() },
    )
    request.s2sKeyId = signed.keyId
    // The nonce and the key's limit share one Redis round trip. A replay spends no budget (its point goes
    // back); with Redis down the limit's 503 is the clearer answer.
    const limit = request.routeOptions.config.s2sLimited ? o.limit : undefined
    const [nonce, limited] = await Promise.allSettled([spendNonce(o.kv, signed), limit?.take(request, reply)])
    if (
      nonce.status === 'rejected' &&
      isVcError(nonce.reason) &&
      nonce.reason.key === 'VC_ERR_NONCE_REPLAYED'
    ) {
      await limit?.refund(request)
      throw nonce.reason
    }
    if (limited.status === 'rejected') throw limited.reason
    if (nonce.status === 'rejected') throw nonce.reason
  })
  const from = (request: FastifyRequest) => ({
    clientIp: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    keyId: request.s2sKeyId ?? null,
    requestId: request.id,
  })

  app.post('/create', { bodyLimit: S2S_BODY_LIMIT, config: { s2sLimited: true } }, async (request, reply) => {
    const body = sessionCreateBody.parse(request.body)
    const s = await o.sessions.create(body, { keyId: request.s2sKeyId!, clientIp: request.ip })
    request.log.debug({ sessionId: s.sessionId, user: s.user.phoneMasked }, 'session created') // audited too
    const detail = { sessionId: s.sessionId, expiresAt: s.expiresAt }
    await o.audit.record({
      action: 'session.create',
      outcome: 'allowed',
      user: s.user,
      ...from(request),
      detail,
    })
    return reply.status(201).send({ token: s.token, expiresAt: s.expiresAt, sessionId: s.sessionId })
  })

  app.post('/revoke', { bodyLimit: S2S_BODY_LIMIT }, async (request) => {
    const by = sessionRevokeBody.parse(request.body)
    const user = 'phone' in by ? o.sessions.identify(by.phone) : await o.sessions.resolve(by.token)
    const revoked = await o.sessions.revoke(by)
    request.log.info({ revoked }, 'sessions revoked')
    const detail = { by: 'phone' in by ? 'phone' : 'token', revoked }
    await o.audit.record({ action: 'session.revoke', outcome: 'allowed', user, ...from(request), detail })
    return { revoked }
  })
}
