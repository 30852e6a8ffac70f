/**
 * Opens every dependency from a validated config, in order, and closes them in reverse.
 * `main.ts` and the test harness both start the service through here.
 */
import pino, { type Logger } from 'pino'
import { createAudit } from '../audit/audit'
import { openBackend } from '../backends'
import { chainKeyFrom } from '../audit/chain'
import { createHeadExport } from '../audit/head-export'
import { auditObserver } from './audit-observer'
import { auditVoiceObserver } from './audit-voice-observer'
import { createRetentionJob } from '../audit/retention'
import { createCanceller } from '../chat/cancel'
import { createRecovery } from '../chat/recovery'
import { createRelay } from '../chat/relay'
import { createToolCaller } from '../chat/tool-caller'
import { createRunning } from '../chat/running'
import { createSweeper } from '../chat/sweeper'
import { createFeedback } from '../chat/feedback'
import { createFiles } from '../chat/files/service'
import { createTopics } from '../chat/topics'
import { createWelcome } from '../chat/welcome'
import { combineObservers, type ChatObserver } from '../chat/observer'
import type { Config } from '../core/config'
import { createCozeAuth } from '../core/coze/auth'
import { createCozeClient } from '../core/coze/client'
import { openRevocations } from '../identity/revocations'
import { createSessions } from '../identity/sessions'
import { createHeartbeats } from '../core/http/heartbeat'
import { createLifecycle, type Lifecycle } from '../core/lifecycle'
import { createLimits } from '../limits/limits'
import { logDestination, loggerOptions } from '../core/logger'
import { createMetrics } from '../metrics/metrics'
import { openStore } from '../store'
import { prepareSchema } from '../store/migrations'
import { retryWrites } from '../store/retry'
import type { VoiceObserver } from '../voice/observer'
import { createVoice } from '../voice/service'
import type { Store } from '../store/types'

export interface ServiceOverrides {
  log?: Logger
  /** Extra observers of the chat flow (metrics and audit register theirs in openServices). */
  observers?: ChatObserver[]
  /** Wraps the opened store (tests use it to delay or fail writes). */
  wrapStore?: (s: Store) => Store
  /** Extra observers of voice tickets and connections (tests, audit). */
  voiceObservers?: VoiceObserver[]
}

/**
 * Each part joins one lifecycle right after it opens (issue 22 #6): when a later step throws, what was
 * already opened is stopped, last first, and the error goes on to the caller. Background work starts
 * with `start()` (the app's `onReady`); `drain()` and `close()` run the list backwards.
 */
export async function openServices(config: Config, o: ServiceOverrides = {}) {
  const log = o.log ?? pino(loggerOptions(config.logLevel), logDestination())
  const parts = createLifecycle({ log })
  return parts.openAll(() => assemble(config, { ...o, log }, parts))
}

async function assemble(config: Config, o: ServiceOverrides & { log: Logger }, parts: Lifecycle) {
  const { log } = o
  // Metrics first: the store, Redis and the Coze credentials report into them.
  const metrics = createMetrics()
  // One timer per period for every held stream and stream slot (issue 8), cleared at the very end.
  const heartbeats = createHeartbeats()
  parts.add({ name: 'heartbeats', stop: () => heartbeats.stop() })
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
  parts.add({ name: 'store', stop: () => store.close() })
  // ioredis reports each failed reconnect: all are counted; one JSON line per kind of error per 10 s.
  const logRedisError = throttled(10_000, (err) => log.warn({ err: err.message }, 'Redis connection error'))
  const onLimitStoreError = (err: unknown) => log.warn({ err }, 'rate-limit store failed: falling back')
  // Redis or in process, chosen once: kv, stream log, stream slots, rate store, locks and pub/sub bus.
  const backend = await openBackend(config, {
    onError: (err) => {
      metrics.redisError()
      logRedisError(err)
    },
    onStreamLogError: (err) => {
      metrics.streamLogFailed()
      log.warn({ err }, 'stream log write failed')
    },
    onSlotsFallback: onLimitStoreError,
  })
  parts.add({ name: 'backend', stop: () => backend.close() }) // the stream log, the bus, then the kv
  const { kv, streams, locks } = backend
  // Issue 20 #5: the chain's head leaves the database now and then, so a truncation or rebuild shows.
  // Added before the audit: its last export, at stop, comes after the audit's last flush.
  const auditHead = parts.add(
    createHeadExport({ store, log, intervalMs: config.audit.headIntervalMs, file: config.audit.headFile }),
  )
  // Guards of issue 6: audit and limits.
  const audit = createAudit({
    store,
    chainKey: chainKeyFrom(config.audit.key),
    log,
    onWritten: (e, ok) => metrics.audited(e.action, ok),
    onRetry: () => metrics.storeRetried('audit'),
  })
  parts.add({ name: 'audit', stop: () => audit.flush() })
  const limits = createLimits({
    config: config.limits,
    rateStore: backend.rateStore,
    slots: backend.slots,
    onReject: metrics.rateLimited,
    onStoreError: onLimitStoreError,
    heartbeats,
  })
  parts.add(createRetentionJob({ store, audit, locks, log, days: config.retentionDays }))
  const cozeAuth = createCozeAuth({
    apiBase: config.coze.apiBase,
    oauth: config.coze.oauth,
    tokenTtlSeconds: config.coze.oauthTokenTtlSeconds,
    botId: config.coze.botId,
    pat: config.coze.pat,
    kv,
    locks,
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
  parts.add({ name: 'coze', stop: () => coze.close() })
  // Issue 20 #7: a revoke closes the session's open streams and voice sockets on every instance.
  const revocations = await openRevocations({ kv, bus: backend.bus, store, log })
  parts.add({ name: 'revocations', stop: () => revocations.close() })
  const sessions = createSessions({
    kv,
    store,
    userIdSecret: config.userIdSecret,
    cozeUserIdMode: config.coze.userIdMode,
    defaultTtlSeconds: config.sessionTtlSeconds,
    revocations,
    log,
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
  parts.add({ name: 'voice', stop: () => voice.close() })
  const observer = combineObservers([metrics.observer, auditObserver(audit), ...(o.observers ?? [])], (err) =>
    log.warn({ err }, 'chat observer failed'),
  )
  const running = createRunning({
    kv,
    locks,
    log,
    heartbeatMs: config.streams.heartbeatMs,
    maxAnswerMs: config.streams.maxAnswerMs,
  })
  const { shutdownGraceMs: graceMs, shutdownHandoverMs: handoverMs } = config.streams
  parts.add({
    name: 'running',
    start: () => running.start(), // this instance's heartbeat: peers see its answers as live
    drain: () => running.drain({ graceMs, handoverMs }),
    stop: () => running.stop(),
  })
  const recovery = createRecovery({
    store,
    locks,
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
  // A drain stops recoveries running here (a peer takes them over); so does a close.
  parts.add({ name: 'recovery', drain: () => recovery.stop(), stop: () => recovery.stop() })
  // Also reconciles, at start, what a previous crash left behind.
  parts.add({
    name: 'sweeper',
    start: () => sweeper.start(),
    drain: () => sweeper.stop(),
    stop: () => sweeper.stop(),
  })
  let draining = false
  const drainStarted = new AbortController()
  // Added after what it tells: a drain sets it first (drains run last added first).
  parts.add({
    name: 'draining flag',
    drain() {
      draining = true
      drainStarted.abort()
    },
    stop: () => undefined,
  })
  // Website A's tools (SPEC §2.8): every call is audited, never with its arguments or output.
  const tools = createToolCaller({
    ...config.tools,
    log,
    onCall: (r) =>
      // cannot reject: `record` never throws (audit.ts); the audit's stop flushes it
      void audit.record({
        action: 'tool.call',
        outcome: r.ok ? 'allowed' : 'denied',
        reason: r.reason ?? null,
        detail: { name: r.name, toolCallId: r.toolCallId, messageId: r.messageId, ms: r.ms },
      }),
  })
  parts.add({ name: 'tools', stop: () => tools.close() })
  const relay = createRelay({
    store,
    kv,
    locks,
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
  const topics = createTopics({ store, locks, coze, running, log })
  const feedback = createFeedback({ store, coze, log, onForwardFailed: metrics.feedbackForwardFailed })
  // Attachments (SPEC §2.4): uploads to Coze's file API, recorded with their owner; images kept for history.
  const files = createFiles({ store, coze })
  if (!config.redis) log.info('REDIS_URL not set: in-process store (single instance only)')
  return {
    config,
    log,
    store,
    backend,
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
    heartbeats,
    limits,
    voice,
    welcome,
    topics,
    feedback,
    files,
    isDraining: () => draining,
    /** Aborts when the drain starts: resumes are refused here and attached followers let go. */
    draining: drainStarted.signal,
    /**
     * Graceful shutdown (SPEC §6, issue 19): refuse new answers and resumes, let open ones finish for a
     * short while, then hand them to a live peer (or cut them when there is none); recoveries running
     * here stop and free their locks for a peer.
     */
    drain: parts.drain,
    /** Starts background work: the heartbeat, the sweeper, retention, the audit head export (`onReady`). */
    start: parts.start,
    /** Stops every part, last opened first (once: the app's `onClose` and the caller may both ask). */
    close: parts.stop,
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
