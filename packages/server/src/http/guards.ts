/**
 * The cross-cutting guards of issue 6 in one call, before any route is registered (hooks only reach
 * routes registered after them): security headers, per-request metrics, the per-address limit on
 * widget endpoints (with the token lookup started beside it), and the audit of refusals.
 */
import type { FastifyInstance } from 'fastify'
import type { Audit } from '../audit/audit'
import { installDenialAudit } from '../audit/denials'
import type { Sessions } from '../identity/sessions'
import type { Limits } from '../limits/limits'
import type { Metrics } from '../metrics/metrics'
import { installRequestMetrics } from '../metrics/routes'
import { prefetchUser } from './auth'
import { installSecurityHeaders } from './security-headers'

export function installGuards(
  app: FastifyInstance,
  d: { audit: Audit; limits: Limits; metrics: Metrics; sessions: Sessions },
) {
  installSecurityHeaders(app)
  installRequestMetrics(app, d.metrics)
  installDenialAudit(app, d.audit)
  app.addHook('onRequest', prefetchUser(d.sessions)) // issued in the same tick as the limit below
  app.addHook('onRequest', d.limits.widgetRequest)
}
