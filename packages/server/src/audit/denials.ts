/**
 * Every refusal worth a trace goes into the audit log from one place (issue 6): S2S denials with their
 * reason, token rejections, rate-limit rejections. It watches errors on their way to the envelope, so no
 * route has to remember to audit its own refusals. It decides on the matched route, never the raw URL
 * (issue 20, finding 2), and samples repeats so a flood stays a few rows (finding 6).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { toVcError } from '../core/http/error-handler'
import { routePath } from '../core/http/request-target'
import { ipKey } from '../core/http/ip-key'
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
  if (INTERNAL.test(routePath(request)) && vc.status >= 400 && vc.status < 500) {
    return { ...base, action: 's2s.denied', keyId: request.s2sKeyId ?? claimedKeyId(request) }
  }
  if (vc.code === 'TOKEN_INVALID') return { ...base, action: 'token.rejected' }
  return undefined
}

/**
 * The sampling key of a denial: the same refusal of the same caller. Only a verified key id counts (a
 * claimed one is the caller's to vary), and IPv6 by its /64, as the per-address limits do.
 */
function repeatKey(request: FastifyRequest, e: AuditEvent) {
  const limit = e.action === 'rate.limited' ? String(e.detail?.limit) : ''
  return [
    e.action,
    e.reason,
    limit,
    e.user?.userId ?? '',
    ipKey(e.clientIp ?? ''),
    request.s2sKeyId ?? '',
  ].join('|')
}

/**
 * Install before the routes: hooks reach only routes registered after them. The same denial of the same
 * caller (action, reason, limit, user, address, verified key) is audited once a minute; the next row
 * says in `detail.repeats` how many were left out (the rate-limit metric still counts every refusal),
 * so a flood cannot turn into an audit-table flood.
 */
export function installDenialAudit(app: FastifyInstance, audit: Audit, now: () => number = Date.now) {
  const seen = new Map<string, { at: number; repeats: number }>()
  /** The event to record, or undefined when it repeats one recorded less than a minute ago. */
  const sampled = (request: FastifyRequest, e: AuditEvent): AuditEvent | undefined => {
    const key = repeatKey(request, e)
    const at = now()
    const last = seen.get(key)
    if (last && at - last.at < DENIAL_EVERY_MS) {
      last.repeats++
      return undefined
    }
    if (!last && seen.size >= MAX_TRACKED) seen.clear()
    seen.set(key, { at, repeats: 0 })
    return last?.repeats ? { ...e, detail: { ...e.detail, repeats: last.repeats } } : e
  }
  app.addHook('onError', async (request, _reply, err) => {
    const denial = denialOf(request, err)
    const event = denial && sampled(request, denial)
    if (event) await audit.record(event)
  })
}

const DENIAL_EVERY_MS = 60_000
const MAX_TRACKED = 10_000
