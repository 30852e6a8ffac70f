/** `GET /metrics` (SPEC §2.5) and the per-request counter; `METRICS_IP_ALLOWLIST` guards the scrape. */
import type { FastifyInstance } from 'fastify'
import { VcError } from '../core/errors'
import type { CidrList } from '../core/http/cidr'
import type { Metrics } from './metrics'

/**
 * Counts and times every response by its route pattern, never the raw URL (hijacked SSE responses too:
 * onResponse still runs, once the stream has ended).
 */
export function installRequestMetrics(app: FastifyInstance, metrics: Metrics) {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000)
  })
}

export async function metricsRoutes(app: FastifyInstance, o: { metrics: Metrics; allowlist: CidrList }) {
  app.get('/metrics', async (request, reply) => {
    if (o.allowlist.size && !o.allowlist.has(request.ip)) throw new VcError('VC_ERR_IP_NOT_ALLOWED')
    return reply.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics())
  })
}
