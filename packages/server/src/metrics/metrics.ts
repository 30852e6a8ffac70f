/**
 * Prometheus metrics (SPEC §2.5, issue 6) on the service's own registry. Labels are closed sets only
 * (route patterns, status codes, event names, wire codes, limit names): never ids, users or addresses.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ChatObserver } from '../chat/types'
import type { MysqlFaultKind, PoolState } from '../store/types'

export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'vc_' })
  const reg = { registers: [registry] }

  const httpRequests = new Counter({
    ...reg,
    name: 'vc_http_requests_total',
    help: 'HTTP requests by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
  })
  // Stream routes (send, resume) are timed to their last event: read them apart from the short ones.
  const httpDuration = new Histogram({
    ...reg,
    name: 'vc_http_request_duration_seconds',
    help: 'HTTP response time by route pattern, method and status class (streams: until their end)',
    labelNames: ['route', 'method', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  })
  const activeStreams = new Gauge({
    ...reg,
    name: 'vc_chat_active_streams',
    help: 'Answers being streamed from Coze on this instance',
  })
  const ttft = new Histogram({
    ...reg,
    name: 'vc_chat_time_to_first_token_seconds',
    help: 'From the question to the first answer text',
    buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30],
  })
  const streamDuration = new Histogram({
    ...reg,
    name: 'vc_chat_stream_duration_seconds',
    help: 'From the question to the archived answer, by final status',
    labelNames: ['status'] as const,
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
  })
  // Counted per token: a plain integer per event name, folded into the counter when it is scraped.
  const relayedSinceScrape = new Map<string, number>()
  new Counter({
    ...reg,
    name: 'vc_chat_events_relayed_total',
    help: 'Stream events sent to widgets, by event name',
    labelNames: ['event'] as const,
    collect() {
      for (const [event, n] of relayedSinceScrape) this.inc({ event }, n)
      relayedSinceScrape.clear()
    },
  })
  const upstreamErrors = new Counter({
    ...reg,
    name: 'vc_upstream_errors_total',
    help: 'Coze failures by wire error code',
    labelNames: ['code'] as const,
  })
  const cozeErrors = new Counter({
    ...reg,
    name: 'vc_coze_errors_total',
    help: "Coze's own error codes (SPEC §2.7): 4011/4027/4028… need an operator",
    labelNames: ['code'] as const,
  })
  const archiveFailures = new Counter({
    ...reg,
    name: 'vc_archive_failures_total',
    help: 'Archive writes that failed: t1 (question), t3 (answer; the sweeper repairs it), touch (conversation time, after retries)',
    labelNames: ['write'] as const,
  })
  const streamLogFailures = new Counter({
    ...reg,
    name: 'vc_stream_log_failures_total',
    help: 'Stream-log writes to Redis that failed (resume may miss those events)',
  })
  const cancels = new Counter({ ...reg, name: 'vc_chat_cancels_total', help: 'Answers cancelled' })
  const resumes = new Counter({ ...reg, name: 'vc_chat_resumes_total', help: 'Streams resumed' })
  const sweeperRepairs = new Counter({
    ...reg,
    name: 'vc_sweeper_repairs_total',
    help: 'Orphaned answers repaired by the sweeper, by the status given',
    labelNames: ['status'] as const,
  })
  const tokenExchanges = new Counter({
    ...reg,
    name: 'vc_coze_token_exchanges_total',
    help: 'Coze OAuth JWT exchanges by outcome',
    labelNames: ['outcome'] as const,
  })
  // A 4101: one Coze API is not granted to the app (README "OAuth permissions to grant in Coze").
  const cozeForbidden = new Counter({
    ...reg,
    name: 'vc_coze_forbidden_total',
    help: 'Coze calls refused with 4101 (API not granted to the app), by Coze API',
    labelNames: ['api'] as const,
  })
  const patFallbacks = new Counter({
    ...reg,
    name: 'vc_coze_pat_fallbacks_total',
    help: 'Calls that used the PAT because OAuth failed',
  })
  const rateLimited = new Counter({
    ...reg,
    name: 'vc_rate_limit_rejections_total',
    help: 'Requests refused by a rate limit, by limit',
    labelNames: ['limit'] as const,
  })
  const auditEvents = new Counter({
    ...reg,
    name: 'vc_audit_events_total',
    help: 'Audit events by action and whether they reached the chain',
    labelNames: ['action', 'result'] as const,
  })

  const mysqlErrors = new Counter({
    ...reg,
    name: 'vc_mysql_errors_total',
    help: 'MySQL faults: query_timeout, acquire_timeout, queue_full (pool bounds) and connection (lost, refused)',
    labelNames: ['kind'] as const,
  })
  // Read at each scrape from the pool handed to `mysql.pool` (none with SQLite: no series).
  let readPool: (() => PoolState) | undefined
  new Gauge({
    ...reg,
    name: 'vc_mysql_pool_connections',
    help: 'MySQL pool connections lent to queries (in_use) and still free (free = size - in_use)',
    labelNames: ['state'] as const,
    collect() {
      if (!readPool) return
      const p = readPool()
      this.set({ state: 'in_use' }, p.inUse)
      this.set({ state: 'free' }, p.size - p.inUse)
    },
  })
  new Gauge({
    ...reg,
    name: 'vc_mysql_pool_queued_requests',
    help: 'Requests waiting for a MySQL connection (bounded by MYSQL_QUEUE_LIMIT)',
    collect() {
      if (readPool) this.set(readPool().queued)
    },
  })
  const redisErrors = new Counter({
    ...reg,
    name: 'vc_redis_errors_total',
    help: 'Redis connection errors reported by the client (refused, reset, timed out)',
  })
  const feedbackForwardFailures = new Counter({
    ...reg,
    name: 'vc_feedback_forward_failures_total',
    help: 'Ratings archived but not taken by Coze, by wire error code',
    labelNames: ['code'] as const,
  })
  const storeRetries = new Counter({
    ...reg,
    name: 'vc_store_retries_total',
    help: 'Writes tried again after a MySQL fault, by write (touch, t3, audit)',
    labelNames: ['write'] as const,
  })

  const observer: ChatObserver = {
    chatStarted: () => activeStreams.inc(),
    firstToken: (_c, ms) => ttft.observe(ms / 1000),
    eventRelayed: (event) => relayedSinceScrape.set(event, (relayedSinceScrape.get(event) ?? 0) + 1),
    chatEnded: (_c, o) => {
      activeStreams.dec()
      streamDuration.observe({ status: o.status }, o.durationMs / 1000)
    },
    // Finished by a peer's recovery, which counts it as a repair, not as a stream of its own.
    chatHandedOver: () => activeStreams.dec(),
    chatCancelled: () => cancels.inc(),
    upstreamError: (code) => upstreamErrors.inc({ code }),
    cozeError: (code) => cozeErrors.inc({ code: String(code) }),
    archiveFailed: (write) => archiveFailures.inc({ write }),
    streamResumed: () => resumes.inc(),
    sweeperRepaired: (r) => sweeperRepairs.inc({ status: r.status }),
  }

  return {
    registry,
    observer,
    request(method: string, route: string, status: number, seconds: number) {
      httpRequests.inc({ method, route, status: String(status) })
      httpDuration.observe({ route, method, status_class: `${Math.floor(status / 100)}xx` }, seconds)
    },
    tokenExchange: (outcome: 'ok' | 'error') => tokenExchanges.inc({ outcome }),
    patFallback: () => patFallbacks.inc(),
    streamLogFailed: () => streamLogFailures.inc(),
    cozeForbidden: (api: string) => cozeForbidden.inc({ api }),
    rateLimited: (limit: string) => rateLimited.inc({ limit }),
    /** For `openMysqlStore({ watch })`. */
    mysql: {
      fault: (kind: MysqlFaultKind) => mysqlErrors.inc({ kind }),
      pool: (read: () => PoolState) => void (readPool = read),
    },
    redisError: () => redisErrors.inc(),
    feedbackForwardFailed: (code: string) => feedbackForwardFailures.inc({ code }),
    /** A write tried again (`write`), or given up for good (`touch` counts as an archive failure). */
    storeRetried: (write: 'touch' | 't3' | 'audit') => storeRetries.inc({ write }),
    touchFailed: () => archiveFailures.inc({ write: 'touch' }),
    audited: (action: string, ok: boolean) => auditEvents.inc({ action, result: ok ? 'written' : 'lost' }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
