/**
 * CORS for the widget endpoints only (the widget runs on website A's origin). Internal endpoints get
 * no CORS headers at all: browsers must never call them.
 */
import type { FastifyInstance } from 'fastify'
import { routePath } from '../../core/http/request-target'

const WIDGET_PATHS = /^\/api\/(chat|voice)\//
const ALLOW_HEADERS = 'authorization, content-type, last-event-id, x-request-id'
const EXPOSE_HEADERS = 'x-request-id, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset'

export function installCors(app: FastifyInstance, origins: readonly string[]) {
  const allowed = new Set(origins)
  app.addHook('onRequest', async (request, reply) => {
    if (!WIDGET_PATHS.test(routePath(request))) return
    const origin = request.headers.origin
    if (!origin || !allowed.has(origin)) return
    reply.header('access-control-allow-origin', origin)
    reply.header('vary', 'origin')
    reply.header('access-control-expose-headers', EXPOSE_HEADERS)
    if (request.method === 'OPTIONS') {
      reply.header('access-control-allow-methods', 'GET, POST, OPTIONS')
      reply.header('access-control-allow-headers', ALLOW_HEADERS)
      reply.header('access-control-max-age', '600')
      return reply.status(204).send()
    }
  })
}
