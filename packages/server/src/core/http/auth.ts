/** Bearer-token check for widget endpoints (SPEC §2.2): the token resolves to a session or 401. */
import type { FastifyRequest } from 'fastify'
import { VcError } from '../errors'
import type { SessionUser } from '../session-user'
import { hashToken } from '../token'

/** What the bearer check needs of identity's sessions (`identity/sessions.ts` provides it). */
export interface SessionResolver {
  resolve(token: string): Promise<SessionUser | undefined>
}

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

const lookups = new WeakMap<FastifyRequest, Promise<SessionUser | undefined>>()

/**
 * onRequest, before the per-address limit: starts the token lookup at once, so its Redis call goes out
 * beside the limit's instead of after it (one round trip less per widget request). Nothing is decided
 * here: a refused request never tells whether its token was good.
 */
export const prefetchUser = (sessions: SessionResolver) => async (request: FastifyRequest) => {
  const token = bearerToken(request)
  if (!token) return
  const lookup = sessions.resolve(token)
  lookup.catch(() => undefined) // awaited, and its failure reported, by requireUser
  lookups.set(request, lookup)
}

/**
 * A hook that sets `request.user` or throws TOKEN_INVALID. `app/http/guards.ts` runs it in onRequest on
 * every widget route; a route's own preHandler then finds the user already set.
 */
export const requireUser = (sessions: SessionResolver) => async (request: FastifyRequest) => {
  if (request.user) return
  const token = bearerToken(request)
  const user = token ? await (lookups.get(request) ?? sessions.resolve(token)) : undefined
  if (!user) throw new VcError('VC_ERR_TOKEN_INVALID')
  request.user = user
}

/** The user set by `requireUser` (routes using it can rely on it). */
export function userOf(request: FastifyRequest): SessionUser {
  if (!request.user) throw new VcError('VC_ERR_TOKEN_INVALID')
  return request.user
}

/** The session something open belongs to. */
export interface HeldSession {
  tokenHash: string
  userId: string
}

/** The session behind a request that passed `requireUser`. */
export function heldSessionOf(request: FastifyRequest): HeldSession {
  return { tokenHash: hashToken(bearerToken(request) ?? ''), userId: request.user?.userId ?? '' }
}
