/**
 * The cross-cutting guards of issues 6 and 20 in one call, before any route is registered (hooks only
 * reach routes registered after them): per-request metrics, the audit of refusals, then, all in
 * onRequest and so before any body is read: the address allowlists, the per-address limits (with the
 * token lookup started beside them), and the token of every widget route.
 */
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import type { Audit } from '../../audit/audit'
import { installDenialAudit } from '../../audit/denials'
import { VcError } from '../../core/errors'
import type { Sessions } from '../../identity/sessions'
import type { Limits } from '../../limits/limits'
import type { Metrics } from '../../metrics/metrics'
import { installRequestMetrics } from '../../metrics/routes'
import { prefetchUser, requireUser } from '../../core/http/auth'
import type { CidrList } from '../../core/http/cidr'
import { routePath } from '../../core/http/request-target'

const INTERNAL = /^\/api\/internal\//
const WIDGET = /^\/api\/(chat|voice)\//
/** Operators' endpoints; `/readyz` answers everyone, its checks only these callers (health/routes.ts). */
const OPS = /^\/(metrics|openapi\.json|docs)(\/|$)/

export interface GuardsDeps {
  audit: Audit
  limits: Limits
  metrics: Metrics
  sessions: Sessions
  /** `S2S_IP_ALLOWLIST`: empty = everyone. */
  s2sAllowlist: CidrList
  /** `OPS_IP_ALLOWLIST` (loopback by default). */
  opsAllowlist: CidrList
}

export function installGuards(app: FastifyInstance, d: GuardsDeps) {
  installRequestMetrics(app, d.metrics)
  installDenialAudit(app, d.audit)
  // SPEC §2.1: "403 before any other check" — before the limits, the media type, the body, the method.
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const path = routePath(request)
    const outside = INTERNAL.test(path)
      ? d.s2sAllowlist.size > 0 && !d.s2sAllowlist.has(request.ip)
      : OPS.test(path) && !d.opsAllowlist.has(request.ip)
    if (outside) throw new VcError('VC_ERR_IP_NOT_ALLOWED')
  })
  app.addHook('onRequest', prefetchUser(d.sessions)) // issued in the same tick as the limit below
  app.addHook('onRequest', d.limits.addressRequest)
  // Every widget route wants a session, checked before its body is read (a 10 MB upload without a token
  // is refused unread). WebSocket upgrades are the exception: they present a ticket (voice/routes.ts).
  const auth = requireUser(d.sessions)
  app.addHook('onRoute', (route) => {
    if (!WIDGET.test(route.url) || (route as { websocket?: boolean }).websocket) return
    const own = route.onRequest ? [route.onRequest].flat() : []
    route.onRequest = [auth as onRequestHookHandler, ...own]
  })
}
