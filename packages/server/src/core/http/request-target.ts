/**
 * What every prefix decision looks at (issue 20, finding 2): the route fastify matched, never the raw
 * request line. The router decodes `/%61pi/chat/…` and used to take `http://h/api/…`, so a test on
 * `request.url` could be walked around while the route still ran.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { VcError } from '../errors'

/**
 * The matched route's pattern (`/api/chat/stream/:messageId`); for a request no route matched (404,
 * 405, a CORS preflight), its path decoded the way the router decodes it.
 */
export function routePath(request: FastifyRequest): string {
  const matched = request.routeOptions.url
  if (matched !== undefined) return matched
  const path = (request.raw.url ?? '').split('?')[0] ?? ''
  try {
    return decodeURIComponent(path)
  } catch {
    return path // not decodable: the router matched nothing either
  }
}

/** Before every other check: a target that is not a path (`http://h/api/…`, `*`) is refused with 400. */
export function installRequestTarget(app: FastifyInstance) {
  app.addHook('onRequest', async (request) => {
    if (!request.raw.url?.startsWith('/'))
      throw new VcError('VC_ERR_BAD_REQUEST', 'The request target must be a path (origin form)')
  })
}
