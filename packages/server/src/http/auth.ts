/** Bearer-token check for widget endpoints (SPEC §2.2): the token resolves to a session or 401. */
import type { FastifyRequest } from 'fastify'
import { VcError } from '../errors'
import type { SessionUser, Sessions } from '../identity/sessions'

declare module 'fastify' {
  interface FastifyRequest {
    user: SessionUser | null
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null
  return m?.[1]
}

/** A preHandler that sets `request.user` or throws TOKEN_INVALID. */
export const requireUser = (sessions: Sessions) => async (request: FastifyRequest) => {
  const token = bearerToken(request)
  const user = token ? await sessions.resolve(token) : undefined
  if (!user) throw new VcError('VC_ERR_TOKEN_INVALID')
  request.user = user
}

/** The user set by `requireUser` (routes using it can rely on it). */
export function userOf(request: FastifyRequest): SessionUser {
  if (!request.user) throw new VcError('VC_ERR_TOKEN_INVALID')
  return request.user
}
