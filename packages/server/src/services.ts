/**
 * Opens every dependency from a validated config, in order, and closes them in reverse.
 * `main.ts` and the test harness both start the service through here.
 */
import pino, { type Logger } from 'pino'
import { createAudit } from './audit/audit'
import { chainKeyFrom } from './audit/chain'
import { startHeadExport } from './audit/head-export'
import { auditObserver } from './audit/observer'
import { auditVoiceObserver } from './audit/voice-observer'
import { scheduleRetention } from './audit/retention'
import { createCanceller } from './chat/cancel'
import { createRecovery } from './chat/recovery'
import { createRelay } from './chat/relay'
import { createToolCaller } from './tools/caller'
import { createRunning } from './chat/running'
import { createSweeper } from './chat/sweeper'
import { createFeedback } from './chat/feedback'
import { createTopics } from './chat/topics'
import { createWelcome } from './chat/welcome'
import { combineObservers, type ChatObserver } from './chat/observer'
import type { Config } from './config'
import { createCozeAuth } from './coze/auth'
import { createCozeClient } from './coze/client'
import { openRevocations } from './identity/revocations'
import { createSessions } from './identity/sessions'
import { openKv } from './kv'
import { createLimits } from './limits/limits'
import { logDestination, loggerOptions } from './logger'
import { createMetrics } from './metrics/metrics'
import { openStore } from './store'
import { prepareSchema } from './store/migrations'
import { retryWrites } from './store/retry'
import { openStreamLog } from './streams'
import type { VoiceObserver } from './voice/observer'
import { createVoice } from './voice/service'
import type { Store } from './store/types'

export interface ServiceOverrides {
  log?: Logger
  /** Extra observers of the chat flow (metrics and audit register theirs in openServices). */
  observers?: ChatObserver[]
  /** Wraps the opened store (tests use it to delay or fail writes). */
  wrapStore?: (s: Store) => Store
  /** Extra observers of voice tickets and connections (tests, audit). */
  voiceObservers?: VoiceObserver[]
}

export async function openServices(config: Config, o: ServiceOverrides = {}) {
  const log = o.log ?? pino(loggerOptions(config.logLevel), logDestination())
  // Metrics first: the store, Redis and the Coze credentials report into them.
  const metrics = createMetrics()
  const opened = await openStore(config.databaseUrl, {
    sqlitePath: config.sqlitePath,
    mysql: { ...config.mysql, watch: metrics.mysql },
  })
  await prepareSchema(opened, { migrate: config.migrateOnStart, log }).catch(async (err: unknown) => {
    await opened.close()
    throw err
  })
  // Issue 19: a conversation touch or a T3 lost to a MySQL blip is tried again, and counted.
  const store = retryWrites(o.wrapStore ? o.wrapStore(opened) : opened, {
    onRetry: (write) => metrics.storeRetried(write),
    // A lost T3 is counted by the relay (vc_archive_failures_total{write="t3"}) like any T3 failure.
    onLost: (write) => write === 'touch' && metrics.touchFailed(),
  })
  // ioredis reports each failed reconnect: all are counted; one JSON line per kind of error per 10 s.
  const logRedisError = throttled(10_000, (err) => log.warn({ err: err.message }, 'Redis connection error'))
  const kv = await openKv({
    connection: config.redis,
    prefix: config.redisPrefix,
    onError: (err) => {
      metrics.redisError()
      logRedisError(err)
    },
  })
  // Guards of issue 6: audit and limits.
  const audit = createAudit({
    store,
    chainKey: chainKeyFrom(config.audit.key),
    log,
    onWritten: (e, ok) => metrics.audited(e.action, ok),
    onRetry: () => metrics.storeRetried('audit'),
  })
  const limits = createLimits({
    config: config.limits,
    kv,
    onReject: metrics.rateLimited,
    onStoreError: (err) => log.warn({ err }, 'rate-limit store failed: falling back'),
  })
  const retention = scheduleRetention({ store, audit, kv, log, days: config.retentionDays })
  const cozeAuth = createCozeAuth({
    apiBase: config.coze.apiBase,
    oauth: config.coze.oauth,
    tokenTtlSeconds: config.coze.oauthTokenTtlSeconds,
    botId: config.coze.botId,
    pat: config.coze.pat,
    kv,
    log,
    onExchange: metrics.tokenExchange,
    onPatFallback: metrics.patFallback,
    onForbidden: metrics.cozeForbidden,
  })
  const coze = createCozeClient({
    apiBase: config.coze.apiBase,
    botId: config.coze.botId,
    auth: cozeAuth,
    idleTimeoutMs: config.coze.idleTimeoutMs,
    onMalformedEvent: (name) => log.warn({ event: name }, 'Coze sent an event that could not be parsed'),
  })
  // Issue 20 #7: a revoke closes the session's open streams and voice sockets on every instance.
  const revocations = await openRevocations({ kv, store, log })
  const sessions = createSessions({
    kv,
    store,
    userIdSecret: config.userIdSecret,
    cozeUserIdMode: config.coze.userIdMode,
    defaultTtlSeconds: config.sessionTtlSeconds,
    revocations,
  })
  const voice = createVoice({
    config: config.voice,
    coze: config.coze,
    kv,
    cozeAuth,
    sessions,
    log,
    observers: [auditVoiceObserver(audit), ...(o.voiceObservers ?? [])],
  })
  const observer = combineObservers([metrics.observer, auditObserver(audit), ...(o.observers ?? [])], (err) =>
    log.warn({ err }, 'chat observer failed'),
  )
  const streams = await openStreamLog(
    kv,
    {
      retentionMs: config.streams.retentionMs,
      openTtlMs: config.streams.maxAnswerMs + config.streams.retentionMs,
    },
    (err) => {
      metrics.streamLogFailed()
      log.warn({ err }, 'stream log write failed')
    },
  )
  const running = createRunning({
    kv,
    log,
    heartbeatMs: config.streams.heartbeatMs,
    maxAnswerMs: config.streams.maxAnswerMs,
  })
  await running.start()
  const recovery = createRecovery({
    store,
    kv,
    coze,
    streams,
    log,
    observer,
    maxAnswerMs: config.streams.maxAnswerMs,
    pollMs: config.streams.recoveryPollMs,
    running,
  })
  const sweeper = createSweeper({
    store,
    running,
    recovery,
    log,
    intervalMs: config.streams.sweepIntervalMs,
    minAgeMs: config.streams.heartbeatMs * 3,
  })
  let draining = false
  const drainStarted = new AbortController()
  // Website A's tools (SPEC §2.8): every call is audited, never with its arguments or output.
  const tools = createToolCaller({
    ...config.tools,
    log,
    onCall: (r) =>
      void audit.record({
        action: 'tool.call',
        outcome: r.ok ? 'allowed' : 'denied',
        reason: r.reason ?? null,
        detail: { name: r.name, toolCallId: r.toolCallId, messageId: r.messageId, ms: r.ms },
      }),
  })
  const relay = createRelay({
    store,
    kv,
    coze,
    streams,
    running,
    log,
    observer,
    tools,
    isDraining: () => draining,
    maxAnswerMs: config.streams.maxAnswerMs,
    pollMs: config.streams.recoveryPollMs,
  })
  const canceller = createCanceller({ store, running, recovery, coze, log, observer })
  const welcome = createWelcome({ coze, kv, botId: config.coze.botId, log })
  const topics = createTopics({ store, kv, coze })
  const feedback = createFeedback({ store, coze, log, onForwardFailed: metrics.feedbackForwardFailed })
  // Issue 20 #5: the chain's head leaves the database now and then, so a truncation or rebuild shows.
  const auditHead = startHeadExport({
    store,
    log,
    intervalMs: config.audit.headIntervalMs,
    file: config.audit.headFile,
  })
  if (!config.redis) log.info('REDIS_URL not set: in-process store (single instance only)')
  return {
    config,
    log,
    store,
    kv,
    cozeAuth,
    coze,
    sessions,
    revocations,
    relay,
    observer,
    streams,
    running,
    recovery,
    sweeper,
    canceller,
    metrics,
    audit,
    auditHead,
    limits,
    voice,
    welcome,
    topics,
    feedback,
    isDraining: () => draining,
    /** Aborts when the drain starts: resumes are refused here and attached followers let go. */
    draining: drainStarted.signal,
    /**
     * Graceful shutdown (SPEC §6, issue 19): refuse new answers and resumes, let open ones finish for a
     * short while, then hand them to a live peer (or cut them when there is none); recoveries running
     * here stop and free their locks for a peer.
     */
    async drain() {
      draining = true
      drainStarted.abort()
      sweeper.stop()
      const { shutdownGraceMs: graceMs, shutdownHandoverMs: handoverMs } = config.streams
      await Promise.all([recovery.stop(), running.drain({ graceMs, handoverMs })])
    },
    async close() {
      sweeper.stop()
      await running.stop()
      await streams.close()
      await coze.close()
      await tools.close()
      await voice.close()
      await revocations.close()
      retention.stop()
      await audit.flush()
      await auditHead.stop()
      await kv.close()
      await store.close()
    },
  }
}

export type Services = Awaited<ReturnType<typeof openServices>>

/** `f` at most once per `ms` for each distinct error message. */
function throttled(ms: number, f: (err: Error) => void): (err: Error) => void {
  const last = new Map<string, number>()
  return (err) => {
    const at = Date.now()
    if (at - (last.get(err.message) ?? -Infinity) < ms) return
    last.set(err.message, at)
    f(err)
  }
}
