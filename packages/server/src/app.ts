/**
 * Builds the HTTP app from ready services; only `main.ts` listens. Tests build the same app.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { chatRoutes } from './chat/routes'
import type { Relay } from './chat/relay'
import type { Config } from './config'
import type { CozeAuth } from './coze/auth'
import { installJsonBody } from './http/body'
import { clientIp } from './http/client-ip'
import { installCors } from './http/cors'
import { installErrorHandler } from './http/error-handler'
import { healthRoutes } from './health/routes'
import { sessionRoutes } from './identity/routes'
import type { Sessions } from './identity/sessions'
import type { Kv } from './kv/types'
import type { Store } from './store/types'
import { widgetRoutes } from './widget/routes'

export interface AppDeps {
  config: Config
  log: Logger
  store: Store
  kv: Kv
  cozeAuth: CozeAuth
  sessions: Sessions
  relay: Relay
  isDraining?: () => boolean
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/

export async function buildApp(d: AppDeps): Promise<FastifyInstance> {
  const { config } = d
  const app = Fastify({
    loggerInstance: d.log as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    // A caller's request id is kept for tracing across website A and us, if it looks like one.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    trustProxy: (address: string) => config.s2s.trustedProxies.has(address),
  })
  // request.ip follows SPEC §2.1's proxy rule rather than fastify's own.
  app.decorateRequest('user', null)
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    Object.defineProperty(request, 'ip', {
      value: clientIp(
        request.raw.socket.remoteAddress,
        request.headers['x-forwarded-for'],
        config.s2s.trustedProxies,
      ),
    })
  })
  installErrorHandler(app)
  installJsonBody(app)
  installCors(app, config.corsOrigins)

  await app.register(healthRoutes, {
    store: d.store,
    kv: d.kv,
    cozeAuth: d.cozeAuth,
    isDraining: d.isDraining,
  })
  await app.register(sessionRoutes, {
    prefix: '/api/internal/session',
    sessions: d.sessions,
    kv: d.kv,
    keys: new Map(config.s2s.keys.map((k) => [k.id, k.secret])),
    allowlist: config.s2s.allowlist,
  })
  await app.register(chatRoutes, {
    prefix: '/api/chat',
    relay: d.relay,
    sessions: d.sessions,
    store: d.store,
    heartbeatMs: config.sseHeartbeatMs,
  })
  await app.register(widgetRoutes, { dir: config.widgetDir })
  return app
}
