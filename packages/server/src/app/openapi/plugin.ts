/**
 * `/openapi.json` and `/docs` (Swagger UI). Call before the routes are registered: it learns them as
 * fastify registers them and builds the document once the app is ready.
 */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { buildOpenApiDocument, type RegisteredRoute } from './document'

const OWN = /^\/docs(\/|$)/

export async function installOpenApi(app: FastifyInstance, version = '0.1.0') {
  const routes: RegisteredRoute[] = []
  app.addHook('onRoute', (r) => {
    if (OWN.test(r.url)) return
    for (const method of [r.method].flat()) {
      if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, url: r.url })
    }
  })
  // Static mode serves this very object; it is filled in place once every route is known.
  const document: Record<string, unknown> = {}
  app.addHook('onReady', async () => {
    Object.assign(document, buildOpenApiDocument(routes, version))
  })
  await app.register(swagger, { mode: 'static', specification: { document: document as never } })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  app.get('/openapi.json', async () => document)
}
