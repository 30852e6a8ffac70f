/** Website A's server-to-server endpoints (SPEC §2.1): allowlist first, then the v1 signature. */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { VcError } from '../errors'
import type { CidrList } from '../http/cidr'
import { verifySignedRequest } from '../http/s2s-signature'
import type { Kv } from '../kv/types'
import { sessionCreateBody, sessionRevokeBody } from '../wire'
import type { Sessions } from './sessions'

declare module 'fastify' {
  interface FastifyRequest {
    s2sKeyId?: string
  }
}

export interface SessionRoutesOptions {
  sessions: Sessions
  kv: Kv
  keys: ReadonlyMap<string, string>
  allowlist: CidrList
  now?: () => number
}

export async function sessionRoutes(app: FastifyInstance, o: SessionRoutesOptions) {
  app.addHook('preHandler', async (request: FastifyRequest) => {
    if (o.allowlist.size && !o.allowlist.has(request.ip)) throw new VcError('VC_ERR_IP_NOT_ALLOWED')
    request.s2sKeyId = await verifySignedRequest(
      {
        method: request.method,
        url: request.raw.url ?? '',
        headers: request.headers,
        body: request.rawBody ?? Buffer.alloc(0),
      },
      { keys: o.keys, kv: o.kv, nowMs: (o.now ?? Date.now)() },
    )
  })

  app.post('/create', async (request, reply) => {
    const body = sessionCreateBody.parse(request.body)
    const s = await o.sessions.create(body, { keyId: request.s2sKeyId!, clientIp: request.ip })
    request.log.info({ sessionId: s.sessionId, user: s.user.phoneMasked }, 'session created')
    return reply.status(201).send({ token: s.token, expiresAt: s.expiresAt, sessionId: s.sessionId })
  })

  app.post('/revoke', async (request) => {
    const revoked = await o.sessions.revoke(sessionRevokeBody.parse(request.body))
    request.log.info({ revoked }, 'sessions revoked')
    return { revoked }
  })
}
