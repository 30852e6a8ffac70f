/**
 * Builds the HTTP app from ready services; only `main.ts` listens. Tests build the same app.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Audit } from '../audit/audit'
import type { Canceller } from '../chat/cancel'
import type { ChatObserver } from '../chat/observer'
import { chatRoutes } from '../chat/routes'
import type { Relay } from '../chat/relay'
import { streamRoutes } from '../chat/stream-routes'
import type { Sweeper } from '../chat/sweeper'
import type { Feedback } from '../chat/feedback'
import { filesRoutes } from '../chat/files/routes'
import type { Files } from '../chat/files/service'
import type { Topics } from '../chat/topics'
import type { WelcomeService } from '../chat/welcome'
import type { Config } from '../core/config'
import type { CozeAuth } from '../core/coze/auth'
import { installJsonBody } from '../core/http/body'
import { clientIp } from '../core/http/client-ip'
import { installCors } from './http/cors'
import { clientErrorHandler, installErrorHandler } from '../core/http/error-handler'
import { installGuards } from './http/guards'
import type { Heartbeats } from '../core/http/heartbeat'
import { installRequestTarget } from '../core/http/request-target'
import { installSecurityHeaders } from './http/security-headers'
import { healthRoutes } from '../health/routes'
import { sessionRoutes } from '../identity/routes'
import type { Sessions } from '../identity/sessions'
import type { Kv } from '../core/kv/types'
import type { Limits } from '../limits/limits'
import type { Metrics } from '../metrics/metrics'
import { metricsRoutes } from '../metrics/routes'
import { installOpenApi } from './openapi/plugin'
import type { Store } from '../store/types'
import type { StreamLog } from '../core/streams/types'
import type { Voice } from '../voice/service'
import { voiceRoutes } from '../voice/routes'
import { widgetRoutes } from '../widget/routes'

export interface AppDeps {
  config: Config
  log: Logger
  store: Store
  kv: Kv
  cozeAuth: CozeAuth
  sessions: Sessions
  relay: Relay
  streams: StreamLog
  sweeper: Sweeper
  canceller: Canceller
  observer: Required<ChatObserver>
  audit: Audit
  limits: Limits
  metrics: Metrics
  voice: Voice
  welcome: WelcomeService
  topics: Topics
  feedback: Feedback
  /** Attachments (`POST /api/chat/files`). */
  files: Files
  /** The service's shared timers: SSE pings beat on them. */
  heartbeats: Heartbeats
  /** Starts background work (`onReady`) and stops every part of the service (`onClose`): `lifecycle.ts`. */
  start?: () => Promise<void>
  close?: () => Promise<void>
  isDraining?: () => boolean
  /** Aborts when the drain starts (issue 19): resumes go to a peer. */
  draining?: AbortSignal
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
    // After a drain, whatever is still open (resume followers) is cut so shutdown finishes.
    forceCloseConnections: true,
    // One access line per request (onResponse below) instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Issue 20, finding 3. requestTimeout bounds receiving a request (head and body), never the answer:
    // an event stream runs for minutes. connectionTimeout cuts a socket silent both ways that long.
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.connectionTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: {
      maxHeaderSize: config.http.maxHeaderBytes,
      headersTimeout: Math.min(config.http.requestTimeoutMs, 20_000),
      // How often Node looks for requests past their time (its default, 30 s, would let one run 30 s over).
      connectionsCheckingInterval: Math.min(Math.max(config.http.requestTimeoutMs / 4, 250), 5_000),
    },
    clientErrorHandler,
  })
  // Issue 22 #6: the service's background work starts when the app is ready (listen or inject), and
  // its parts stop, last opened first, once the app has closed.
  const { start, close } = d
  if (start) app.addHook('onReady', async () => start())
  if (close) app.addHook('onClose', async () => close())
  const sseHeartbeat = d.heartbeats.every(config.sseHeartbeatMs)
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
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime },
      'request completed',
    )
  })
  installSecurityHeaders(app) // first: every answer carries them, refusals by the hooks below too
  installRequestTarget(app)
  installErrorHandler(app)
  installJsonBody(app)
  installCors(app, config.corsOrigins)
  installGuards(app, { ...d, s2sAllowlist: config.s2s.allowlist, opsAllowlist: config.opsAllowlist })
  await installOpenApi(app)

  await app.register(healthRoutes, {
    store: d.store,
    kv: d.kv,
    cozeAuth: d.cozeAuth,
    isDraining: d.isDraining,
    maxEventLoopLagMs: config.readyMaxEventLoopLagMs,
    showChecks: (request) => config.opsAllowlist.has(request.ip),
    extraChecks: { rateLimits: () => d.limits.readiness() },
  })
  await app.register(metricsRoutes, { metrics: d.metrics, allowlist: config.opsAllowlist })
  await app.register(sessionRoutes, {
    prefix: '/api/internal/session',
    sessions: d.sessions,
    kv: d.kv,
    keys: new Map(config.s2s.keys.map((k) => [k.id, k.secret])),
    audit: d.audit,
    limit: d.limits.s2sGuard,
  })
  await app.register(chatRoutes, {
    prefix: '/api/chat',
    relay: d.relay,
    sessions: d.sessions,
    store: d.store,
    welcome: d.welcome,
    topics: d.topics,
    feedback: d.feedback,
    files: d.files,
    heartbeat: sseHeartbeat,
    guard: d.limits.chatGuard,
  })
  // Its own scope: the one place besides voice transcriptions that parses multipart.
  await app.register(filesRoutes, {
    prefix: '/api/chat',
    files: d.files,
    maxBytes: config.files.maxBytes,
    limit: d.limits.consumeUpload,
  })
  await app.register(streamRoutes, {
    prefix: '/api/chat',
    sessions: d.sessions,
    store: d.store,
    streams: d.streams,
    canceller: d.canceller,
    recoverIfOrphaned: d.sweeper.recoverIfOrphaned,
    draining: d.draining,
    heartbeat: sseHeartbeat,
    guard: d.limits.chatGuard,
    onResume: d.observer.streamResumed,
  })
  await app.register(voiceRoutes, {
    prefix: '/api/voice',
    voice: d.voice,
    sessions: d.sessions,
    config,
    messageGuard: d.limits.consumeMessage,
  })
  await app.register(widgetRoutes, { dir: config.widgetDir })
  return app
}
