/**
 * Security headers on every response (issue 6). The API serves JSON and event streams only, so nothing
 * may frame, sniff or embed it; `/docs` (Swagger UI) brings its own CSP. Tokens travel in responses of
 * `/api/*`, hence `no-store`. HSTS only when the request arrived over HTTPS (directly or via TRUST_PROXY).
 */
import type { FastifyInstance } from 'fastify'
import { routePath } from '../../core/http/request-target'

export function installSecurityHeaders(app: FastifyInstance) {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000')
    const path = routePath(request)
    if (path.startsWith('/api/')) reply.header('cache-control', 'no-store')
    if (path === '/docs' || path.startsWith('/docs/')) return
    reply.header('x-frame-options', 'DENY')
    reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
  })
}
