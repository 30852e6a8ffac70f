/**
 * Every refusal worth a trace goes into the audit log from one place (issue 6): S2S denials with their
 * reason, token rejections, rate-limit rejections. It watches errors on their way to the envelope, so no
 * route has to remember to audit its own refusals.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { toVcError } from '../http/error-handler'
import type { Audit, AuditEvent } from './audit'

const INTERNAL = /^\/api\/internal\//

/** The key id a caller claimed, only if it looks like one (it is attacker-controlled). */
function claimedKeyId(request: FastifyRequest): string | null {
  const v = request.headers['x-vc-key-id']
  if (typeof v !== 'string') return null
  return /^[A-Za-z0-9._-]{1,64}$/.test(v) ? v : '(malformed)'
}

/** The audit event for a refused request, or undefined when the refusal is not audited. */
export function denialOf(request: FastifyRequest, err: unknown): AuditEvent | undefined {
  const vc = toVcError(err)
  const base = {
    outcome: 'denied' as const,
    reason: vc.code,
    user: request.user ?? null,
    clientIp: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    requestId: request.id,
    detail: { route: request.routeOptions.url ?? null, method: request.method },
  }
  if (vc.code === 'RATE_LIMITED') {
    const limit = typeof vc.extra?.limit === 'string' ? vc.extra.limit : null
    return {
      ...base,
      action: 'rate.limited',
      keyId: request.s2sKeyId ?? null,
      detail: { ...base.detail, limit },
    }
  }
  if (INTERNAL.test(request.url) && vc.status >= 400 && vc.status < 500) {
    return { ...base, action: 's2s.denied', keyId: request.s2sKeyId ?? claimedKeyId(request) }
  }
  if (vc.code === 'TOKEN_INVALID') return { ...base, action: 'token.rejected' }
  return undefined
}

/**
 * Install before the routes: hooks reach only routes registered after them. A client hammering a limit
 * is audited once per limit, user and address a minute (the metric still counts every refusal), so a
 * flood cannot turn into an audit-table flood.
 */
export function installDenialAudit(app: FastifyInstance, audit: Audit, now: () => number = Date.now) {
  const lastLimited = new Map<string, number>()
  const isRepeat = (e: AuditEvent) => {
    if (e.action !== 'rate.limited') return false
    const key = `${e.detail?.limit}|${e.user?.userId ?? ''}|${e.clientIp}|${e.keyId ?? ''}`
    const at = now()
    if (at - (lastLimited.get(key) ?? -Infinity) < RATE_LIMITED_EVERY_MS) return true
    if (lastLimited.size >= MAX_TRACKED) lastLimited.clear()
    lastLimited.set(key, at)
    return false
  }
  app.addHook('onError', async (request, _reply, err) => {
    const event = denialOf(request, err)
    if (event && !isRepeat(event)) await audit.record(event)
  })
}

const RATE_LIMITED_EVERY_MS = 60_000
const MAX_TRACKED = 10_000
