/**
 * Uploads per user per minute (`RATE_LIMIT_FILES_PER_MINUTE`, SPEC §2.6): a fixed window of
 * `limits/limiter.ts` in the backend's counters, shared by every instance on Redis and failing open
 * onto in-process counts like the other widget limits. Checked before the body is read.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { rateLimitedError, rateLimitHeaders } from './headers'
import { createLimiter, type LimitName } from './limiter'
import type { RateStore } from './rate-store'

export interface FilesLimitOptions {
  perMinute: number
  store: RateStore
  onReject?: (limit: LimitName) => void
  onStoreError?: (err: unknown) => void
}

/** A preHandler-style hook (onRequest, after the token check); a no-op when the limit is 0 (off). */
export function createFilesLimit(o: FilesLimitOptions) {
  if (o.perMinute <= 0) return async () => {}
  const limiter = createLimiter({
    name: 'user-files',
    points: o.perMinute,
    durationSeconds: 60,
    store: o.store,
    fallback: 'memory',
    onStoreError: o.onStoreError,
  })
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.user) return
    const r = await limiter.consume(request.user.userId)
    if (!r.allowed) {
      o.onReject?.(r.name)
      throw rateLimitedError([r])
    }
    reply.headers(rateLimitHeaders(r))
  }
}
