/** `GET /metrics` (SPEC §2.5) and the per-request counter; `METRICS_IP_ALLOWLIST` guards the scrape. */
import type { FastifyInstance } from 'fastify'
import { VcError } from '../errors'
import type { CidrList } from '../http/cidr'
import type { Metrics } from './metrics'

/** Counts every response by its route pattern (hijacked SSE responses too: onResponse still runs). */
export function installRequestMetrics(app: FastifyInstance, metrics: Metrics) {
  app.addHook('onResponse', async (request, reply) => {
    metrics.request(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode)
  })
}

export async function metricsRoutes(app: FastifyInstance, o: { metrics: Metrics; allowlist: CidrList }) {
  app.get('/metrics', async (request, reply) => {
    if (o.allowlist.size && !o.allowlist.has(request.ip)) throw new VcError('VC_ERR_IP_NOT_ALLOWED')
    return reply.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics())
  })
}
