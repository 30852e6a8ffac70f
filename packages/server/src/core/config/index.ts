/**
 * Configuration from the environment (SPEC §5), validated once at boot. Every problem is reported on its
 * own line and start-up stops; nothing else in the service reads `process.env`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { parseCidrList } from '../http/cidr'
import { parseHostPorts, type RedisConnection } from '../kv/connection'

const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional()

const intFrom = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def)

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (s) => {
        try {
          return protocols.includes(new URL(s).protocol)
        } catch {
          return false
        }
      },
      `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`,
    )

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intFrom(8081, 0, 65535),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .refine((s) => /^(mysql:\/\/.+|sqlite:.+)$/.test(s), 'must be mysql://… or sqlite:<path>')
      .optional(),
  ),
  SQLITE_PATH: z.string().default('.data/volcano-chat.sqlite'),
  MIGRATE_ON_START: z.enum(['true', 'false']).default('true'),
  MYSQL_POOL_SIZE: intFrom(10, 1, 1_000),
  MYSQL_CONNECT_TIMEOUT_MS: intFrom(10_000, 100, 120_000),
  MYSQL_ACQUIRE_TIMEOUT_MS: intFrom(5_000, 100, 120_000),
  MYSQL_QUERY_TIMEOUT_MS: intFrom(5_000, 100, 600_000),
  MYSQL_QUEUE_LIMIT: intFrom(200, 0, 100_000),
  MYSQL_SSL: z.enum(['true', 'false']).default('false'),
  MYSQL_SSL_CA: optionalString,
  REDIS_URL: optionalString.pipe(url(['redis:', 'rediss:']).optional()),
  REDIS_CLUSTER_NODES: optionalString,
  REDIS_SENTINELS: optionalString,
  REDIS_SENTINEL_NAME: optionalString,
  REDIS_SENTINEL_PASSWORD: optionalString,
  REDIS_USERNAME: optionalString,
  REDIS_PASSWORD: optionalString,
  REDIS_TLS: z.enum(['true', 'false']).default('false'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1–64 of [A-Za-z0-9:_-]')
    .default('vc'),
  COZE_API_BASE: url(['https:', 'http:']).default('https://api.coze.cn'),
  COZE_WS_BASE: url(['wss:', 'ws:']).default('wss://ws.coze.cn'),
  COZE_BOT_ID: z.string().trim().min(1, 'is required (the bot the assistant talks to)'),
  COZE_OAUTH_APP_ID: optionalString,
  COZE_OAUTH_KEY_ID: optionalString,
  COZE_OAUTH_PRIVATE_KEY: optionalString,
  COZE_OAUTH_PRIVATE_KEY_FILE: optionalString,
  COZE_OAUTH_TOKEN_TTL_SECONDS: intFrom(900, 60, 86_399),
  COZE_OAUTH_AUDIENCE: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name like api.coze.cn (no scheme, no path)')
      .optional(),
  ),
  COZE_OAUTH_CHANNEL: z.enum(['true', 'false']).default('false'),
  COZE_PAT: optionalString,
  COZE_USER_ID_MODE: z.enum(['pseudonym', 'phone']).default('pseudonym'),
  USER_ID_SECRET: optionalString,
  AUDIT_KEY: optionalString,
  AUDIT_HEAD_FILE: optionalString,
  AUDIT_HEAD_INTERVAL_MS: intFrom(60_000, 1_000, 86_400_000),
  S2S_KEYS: z.string().trim().min(1, 'is required: keyId:secret[,keyId2:secret2]'),
  S2S_IP_ALLOWLIST: z.string().default(''),
  TRUST_PROXY: z.string().default(''),
  CORS_ORIGINS: z.string().default(''),
  SESSION_TTL_SECONDS: intFrom(7200, 60, 86_400),
  UPSTREAM_IDLE_TIMEOUT_MS: intFrom(120_000, 1_000, 600_000),
  SSE_HEARTBEAT_MS: intFrom(15_000, 100, 120_000),
  STREAM_RETENTION_MS: intFrom(15 * 60_000, 1_000, 24 * 3600_000),
  MAX_ANSWER_MS: intFrom(10 * 60_000, 5_000, 3600_000),
  LEASE_HEARTBEAT_MS: intFrom(2_000, 50, 60_000),
  SWEEP_INTERVAL_MS: intFrom(30_000, 100, 3600_000),
  RECOVERY_POLL_MS: intFrom(1_000, 50, 60_000),
  SHUTDOWN_GRACE_MS: intFrom(20_000, 0, 600_000),
  SHUTDOWN_HANDOVER_MS: intFrom(3_000, 0, 600_000),
  READY_MAX_EVENT_LOOP_LAG_MS: intFrom(1_000, 10, 60_000),
  COZE_VOICE_ID: optionalString,
  VOICE_MAX_CONNECTIONS_PER_USER: intFrom(2, 0, 100),
  VOICE_SECONDS_PER_DAY: intFrom(1800, 0, 86_400),
  VOICE_IDLE_TIMEOUT_MS: intFrom(30_000, 1_000, 600_000),
  VOICE_MAX_DURATION_MS: intFrom(300_000, 1_000, 3_600_000),
  VOICE_PING_INTERVAL_MS: intFrom(15_000, 100, 120_000),
  VOICE_MAX_FRAME_BYTES: intFrom(1_048_576, 1024, 16_777_216),
  VOICE_TICKET_BIND_IP: z.enum(['true', 'false']).default('true'),
  RATE_LIMIT_IP_REQUESTS_PER_MINUTE: intFrom(600, 0, 1_000_000),
  RATE_LIMIT_USER_MESSAGES_PER_MINUTE: intFrom(20, 0, 1_000_000),
  RATE_LIMIT_USER_MESSAGES_PER_DAY: intFrom(500, 0, 10_000_000),
  RATE_LIMIT_IP_MESSAGES_PER_MINUTE: intFrom(60, 0, 1_000_000),
  RATE_LIMIT_IP_MESSAGES_PER_DAY: intFrom(5_000, 0, 10_000_000),
  RATE_LIMIT_S2S_KEY_PER_MINUTE: intFrom(600, 0, 1_000_000),
  RATE_LIMIT_USER_STREAMS: intFrom(3, 0, 1_000),
  RATE_LIMIT_S2S_IP_PER_MINUTE: intFrom(1_200, 0, 1_000_000),
  RATE_LIMIT_FILES_PER_MINUTE: intFrom(10, 0, 1_000_000),
  // Attachments (SPEC §2.4): Coze takes up to 512 MB; images are also kept in the database.
  FILES_MAX_BYTES: intFrom(10 * 1024 * 1024, 1024, 512 * 1024 * 1024),
  HTTP_REQUEST_TIMEOUT_MS: intFrom(60_000, 500, 600_000),
  HTTP_CONNECTION_TIMEOUT_MS: intFrom(300_000, 0, 3_600_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: intFrom(72_000, 1_000, 600_000),
  HTTP_MAX_HEADER_BYTES: intFrom(16_384, 1_024, 65_536),
  OPS_IP_ALLOWLIST: optionalString,
  RETENTION_DAYS: intFrom(0, 0, 36_500),
  METRICS_IP_ALLOWLIST: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WIDGET_DIR: optionalString,
  TOOLS_URL: optionalString.pipe(url(['https:', 'http:']).optional()),
  TOOLS_KEY_ID: optionalString,
  TOOLS_SECRET: optionalString,
  TOOLS_TIMEOUT_MS: intFrom(10_000, 100, 120_000),
})

export interface S2sKey {
  id: string
  secret: string
}

export type Config = ReturnType<typeof finish>

/** Thrown with every problem found; `main.ts` prints one line each and exits non-zero. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/**
 * The widget package's build output in this repository, found from the sources (`src/config/`) or from
 * the bundle (`dist/`) alike: the nearest ancestor holding `packages/widget`.
 */
function defaultWidgetDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'packages', 'widget'))) return join(dir, 'packages', 'widget', 'dist')
    if (dirname(dir) === dir) return join(process.cwd(), 'packages', 'widget', 'dist')
  }
}

/**
 * Coze's API host name for the JWT `aud` (SPEC §3): api.coze.com for the international site, otherwise
 * api.coze.cn — never the host of COZE_API_BASE itself, which may be a proxy (protocol §9 row 6).
 */
function defaultAudience(apiBase: string): string {
  return /(^|\.)coze\.com$/i.test(new URL(apiBase).hostname) ? 'api.coze.com' : 'api.coze.cn'
}

const LOOPBACK = '127.0.0.0/8, ::1'

/**
 * @example const config = loadConfig(process.env) // throws ConfigError listing each bad variable
 */
export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`),
    )
  }
  const problems: string[] = []
  const config = finish(parsed.data, problems)
  if (problems.length) throw new ConfigError(problems)
  return config
}

function finish(e: z.infer<typeof envSchema>, problems: string[]) {
  const s2sKeys = parseS2sKeys(e.S2S_KEYS, problems)
  const allowlist = parseCidrList(e.S2S_IP_ALLOWLIST, 'S2S_IP_ALLOWLIST', problems)
  const trustedProxies = parseCidrList(e.TRUST_PROXY, 'TRUST_PROXY', problems)
  // Issue 20, finding 9: ops endpoints are loopback-only unless listed; the older METRICS_IP_ALLOWLIST
  // still works (for all of them) when OPS_IP_ALLOWLIST is unset.
  const opsAllowlist = e.OPS_IP_ALLOWLIST
    ? parseCidrList(e.OPS_IP_ALLOWLIST, 'OPS_IP_ALLOWLIST', problems)
    : e.METRICS_IP_ALLOWLIST.trim()
      ? parseCidrList(e.METRICS_IP_ALLOWLIST, 'METRICS_IP_ALLOWLIST', problems)
      : parseCidrList(LOOPBACK, 'OPS_IP_ALLOWLIST', problems)
  if (e.HTTP_CONNECTION_TIMEOUT_MS) {
    // An idle socket is cut after this: every stream and socket must speak (or wait on Coze) more often.
    const longest = Math.max(e.SSE_HEARTBEAT_MS, e.VOICE_PING_INTERVAL_MS, e.UPSTREAM_IDLE_TIMEOUT_MS)
    if (e.HTTP_CONNECTION_TIMEOUT_MS <= longest)
      problems.push(
        `HTTP_CONNECTION_TIMEOUT_MS: must be 0 (off) or above SSE_HEARTBEAT_MS, VOICE_PING_INTERVAL_MS and UPSTREAM_IDLE_TIMEOUT_MS (${longest})`,
      )
  }
  const privateKey = readPrivateKey(e, problems)
  const mysql = mysqlOptions(e, problems)
  const redis = redisConnection(e, problems)
  const oauthParts = [e.COZE_OAUTH_APP_ID, e.COZE_OAUTH_KEY_ID, privateKey]
  let oauth:
    { appId: string; keyId: string; privateKeyPem: string; audience: string; channel: boolean } | undefined
  if (oauthParts.every(Boolean)) {
    oauth = {
      appId: e.COZE_OAUTH_APP_ID!,
      keyId: e.COZE_OAUTH_KEY_ID!,
      privateKeyPem: privateKey!,
      audience: e.COZE_OAUTH_AUDIENCE ?? defaultAudience(e.COZE_API_BASE),
      channel: e.COZE_OAUTH_CHANNEL === 'true',
    }
  } else if (oauthParts.some(Boolean)) {
    problems.push(
      'COZE_OAUTH_*: set all of COZE_OAUTH_APP_ID, COZE_OAUTH_KEY_ID and COZE_OAUTH_PRIVATE_KEY(_FILE), or none',
    )
  }
  if (!oauth && !e.COZE_PAT && !oauthParts.some(Boolean)) {
    problems.push('COZE_PAT / COZE_OAUTH_*: configure OAuth JWT, a PAT, or both')
  }
  // Issue 20 #5: no public fallback in any mode (`npm run service` sets no NODE_ENV), and the audit
  // chain's key is a secret of its own, so an operator holding USER_ID_SECRET for exports cannot re-sign it.
  for (const [name, value, what] of [
    ['USER_ID_SECRET', e.USER_ID_SECRET, 'keys the user pseudonyms'],
    ['AUDIT_KEY', e.AUDIT_KEY, 'keys the audit hash chain'],
  ] as const) {
    if (!value) problems.push(`${name}: is required (${what}; e.g. \`openssl rand -hex 32\`)`)
    else if (value.length < 16) problems.push(`${name}: must be at least 16 characters`)
  }
  if (e.AUDIT_KEY && e.AUDIT_KEY === e.USER_ID_SECRET)
    problems.push('AUDIT_KEY: must differ from USER_ID_SECRET (operators exporting user data hold that one)')
  const corsOrigins = splitList(e.CORS_ORIGINS)
  // Website A's tools (SPEC §2.8): the service signs each call, so a URL needs its key.
  if (e.TOOLS_URL && !(e.TOOLS_KEY_ID && e.TOOLS_SECRET))
    problems.push('TOOLS_KEY_ID / TOOLS_SECRET: are required when TOOLS_URL is set')
  if (e.TOOLS_KEY_ID && !/^[A-Za-z0-9._-]{1,64}$/.test(e.TOOLS_KEY_ID))
    problems.push('TOOLS_KEY_ID: must be 1–64 of [A-Za-z0-9._-]')
  if (e.TOOLS_SECRET && e.TOOLS_SECRET.length < 16)
    problems.push('TOOLS_SECRET: must be at least 16 characters')
  for (const o of corsOrigins)
    if (!/^https?:\/\/[^/]+$/.test(o)) problems.push(`CORS_ORIGINS: "${o}" is not an origin`)
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    sqlitePath: e.SQLITE_PATH,
    /** false: the schema is migrated by `npm run migrate`; start-up only checks it is at least this release's. */
    migrateOnStart: e.MIGRATE_ON_START === 'true',
    /** Pool and TLS of the MySQL adapter (`DATABASE_URL=mysql://…`); ignored for SQLite. */
    mysql,
    redisUrl: e.REDIS_URL,
    /** Where Redis is (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS); undefined = in-process. */
    redis,
    redisPrefix: e.REDIS_PREFIX,
    coze: {
      apiBase: e.COZE_API_BASE.replace(/\/+$/, ''),
      wsBase: e.COZE_WS_BASE.replace(/\/+$/, ''),
      botId: e.COZE_BOT_ID,
      oauth,
      oauthTokenTtlSeconds: e.COZE_OAUTH_TOKEN_TTL_SECONDS,
      pat: e.COZE_PAT,
      userIdMode: e.COZE_USER_ID_MODE,
      idleTimeoutMs: e.UPSTREAM_IDLE_TIMEOUT_MS,
    },
    userIdSecret: e.USER_ID_SECRET ?? '',
    audit: {
      /** HMAC key of the audit chain (audit/chain.ts). */
      key: e.AUDIT_KEY ?? '',
      /** Where the chain's head is appended every `headIntervalMs` for `audit:verify --head-file`. */
      headFile: e.AUDIT_HEAD_FILE,
      headIntervalMs: e.AUDIT_HEAD_INTERVAL_MS,
    },
    s2s: { keys: s2sKeys, allowlist, trustedProxies },
    corsOrigins,
    /** `/readyz` turns this pod unready when its event loop lags longer (its own state, SPEC §2.5 deviation). */
    readyMaxEventLoopLagMs: e.READY_MAX_EVENT_LOOP_LAG_MS,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    streams: {
      retentionMs: e.STREAM_RETENTION_MS,
      maxAnswerMs: e.MAX_ANSWER_MS,
      heartbeatMs: e.LEASE_HEARTBEAT_MS,
      sweepIntervalMs: e.SWEEP_INTERVAL_MS,
      recoveryPollMs: e.RECOVERY_POLL_MS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      /** With a live peer, how long a drain lets answers finish before handing them over (issue 19). */
      shutdownHandoverMs: e.SHUTDOWN_HANDOVER_MS,
    },
    voice: {
      voiceId: e.COZE_VOICE_ID,
      maxConnectionsPerUser: e.VOICE_MAX_CONNECTIONS_PER_USER,
      secondsPerDay: e.VOICE_SECONDS_PER_DAY,
      idleTimeoutMs: e.VOICE_IDLE_TIMEOUT_MS,
      maxDurationMs: e.VOICE_MAX_DURATION_MS,
      pingIntervalMs: e.VOICE_PING_INTERVAL_MS,
      maxFrameBytes: e.VOICE_MAX_FRAME_BYTES,
      ticketBindIp: e.VOICE_TICKET_BIND_IP === 'true',
    },
    limits: {
      ipRequestsPerMinute: e.RATE_LIMIT_IP_REQUESTS_PER_MINUTE,
      userMessagesPerMinute: e.RATE_LIMIT_USER_MESSAGES_PER_MINUTE,
      userMessagesPerDay: e.RATE_LIMIT_USER_MESSAGES_PER_DAY,
      ipMessagesPerMinute: e.RATE_LIMIT_IP_MESSAGES_PER_MINUTE,
      ipMessagesPerDay: e.RATE_LIMIT_IP_MESSAGES_PER_DAY,
      s2sKeyPerMinute: e.RATE_LIMIT_S2S_KEY_PER_MINUTE,
      userStreams: e.RATE_LIMIT_USER_STREAMS,
      s2sIpPerMinute: e.RATE_LIMIT_S2S_IP_PER_MINUTE,
      userFilesPerMinute: e.RATE_LIMIT_FILES_PER_MINUTE,
    },
    /** Node's HTTP server limits (issue 20, finding 3); `requestTimeout` covers receiving the request only. */
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      connectionTimeoutMs: e.HTTP_CONNECTION_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxHeaderBytes: e.HTTP_MAX_HEADER_BYTES,
    },
    /** Attachments (`POST /api/chat/files`): the size cap (their per-user limit is in `limits`). */
    files: {
      maxBytes: e.FILES_MAX_BYTES,
    },
    retentionDays: e.RETENTION_DAYS,
    /** Who sees `/metrics`, `/docs`, `/openapi.json` and the checks of `/readyz`. */
    opsAllowlist,
    logLevel: e.LOG_LEVEL,
    widgetDir: e.WIDGET_DIR ?? defaultWidgetDir(),
    /** For `createToolCaller`; `url` unset = every tool call answers "tool unavailable". */
    tools: {
      url: e.TOOLS_URL,
      keyId: e.TOOLS_KEY_ID,
      secret: e.TOOLS_SECRET,
      timeoutMs: e.TOOLS_TIMEOUT_MS,
    },
  }
}

const splitList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)

function parseS2sKeys(raw: string, problems: string[]): S2sKey[] {
  const keys: S2sKey[] = []
  for (const item of splitList(raw)) {
    const at = item.indexOf(':')
    const id = at > 0 ? item.slice(0, at) : ''
    const secret = at > 0 ? item.slice(at + 1) : ''
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id))
      problems.push(`S2S_KEYS: "${id || item.slice(0, 8)}…" needs keyId:secret`)
    else if (secret.length < 16)
      problems.push(`S2S_KEYS: secret of key "${id}" must be at least 16 characters`)
    else if (keys.some((k) => k.id === id)) problems.push(`S2S_KEYS: key id "${id}" appears twice`)
    else keys.push({ id, secret })
  }
  return keys
}

/**
 * `MYSQL_SSL_CA` (a PEM file) or `MYSQL_SSL=true` (the system's CAs) turn TLS on, always verifying the
 * server's certificate and host name; the CA is read here so that a bad path stops start-up.
 */
function mysqlOptions(e: z.infer<typeof envSchema>, problems: string[]) {
  let ssl: { ca?: string; rejectUnauthorized: true } | undefined
  if (e.MYSQL_SSL_CA) {
    try {
      const ca = readFileSync(e.MYSQL_SSL_CA, 'utf8')
      if (ca.includes('-----BEGIN CERTIFICATE-----')) ssl = { ca, rejectUnauthorized: true }
      else problems.push('MYSQL_SSL_CA: is not a PEM certificate file')
    } catch (err) {
      problems.push(`MYSQL_SSL_CA: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  } else if (e.MYSQL_SSL === 'true') {
    ssl = { rejectUnauthorized: true }
  }
  if ((e.MYSQL_SSL_CA || e.MYSQL_SSL === 'true') && !e.DATABASE_URL?.startsWith('mysql://'))
    problems.push('MYSQL_SSL / MYSQL_SSL_CA: only apply to DATABASE_URL=mysql://…')
  return {
    poolSize: e.MYSQL_POOL_SIZE,
    connectTimeoutMs: e.MYSQL_CONNECT_TIMEOUT_MS,
    acquireTimeoutMs: e.MYSQL_ACQUIRE_TIMEOUT_MS,
    queryTimeoutMs: e.MYSQL_QUERY_TIMEOUT_MS,
    queueLimit: e.MYSQL_QUEUE_LIMIT,
    ssl,
  }
}

/**
 * One of REDIS_URL (one server), REDIS_CLUSTER_NODES (a cluster) or REDIS_SENTINELS + REDIS_SENTINEL_NAME
 * (a master through Sentinel); setting two is refused rather than one silently winning. Credentials of
 * the other two modes come from REDIS_USERNAME / REDIS_PASSWORD (a URL carries its own).
 */
function redisConnection(e: z.infer<typeof envSchema>, problems: string[]): RedisConnection | undefined {
  const set = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter((k) => e[k])
  if (set.length > 1) {
    problems.push(`${set.join(' / ')}: set only one (one server, a cluster, or Sentinel)`)
    return undefined
  }
  const auth = {
    ...(e.REDIS_USERNAME ? { username: e.REDIS_USERNAME } : {}),
    ...(e.REDIS_PASSWORD ? { password: e.REDIS_PASSWORD } : {}),
    ...(e.REDIS_TLS === 'true' ? { tls: true } : {}),
  }
  const hostPorts = (name: 'REDIS_CLUSTER_NODES' | 'REDIS_SENTINELS') => {
    const nodes = parseHostPorts(e[name]!)
    if (typeof nodes === 'string') problems.push(`${name}: ${nodes}`)
    return typeof nodes === 'string' ? [] : nodes
  }
  if (e.REDIS_SENTINEL_NAME && !e.REDIS_SENTINELS)
    problems.push('REDIS_SENTINEL_NAME: only applies with REDIS_SENTINELS')
  if (e.REDIS_SENTINEL_PASSWORD && !e.REDIS_SENTINELS)
    problems.push('REDIS_SENTINEL_PASSWORD: only applies with REDIS_SENTINELS')
  if (e.REDIS_CLUSTER_NODES) return { mode: 'cluster', nodes: hostPorts('REDIS_CLUSTER_NODES'), ...auth }
  if (e.REDIS_SENTINELS) {
    const sentinels = hostPorts('REDIS_SENTINELS')
    if (!e.REDIS_SENTINEL_NAME)
      problems.push("REDIS_SENTINEL_NAME: is required with REDIS_SENTINELS (the master's name)")
    const sentinelPassword = e.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: e.REDIS_SENTINEL_PASSWORD } : {}
    return { mode: 'sentinel', sentinels, name: e.REDIS_SENTINEL_NAME ?? '', ...sentinelPassword, ...auth }
  }
  if (e.REDIS_USERNAME || e.REDIS_PASSWORD || e.REDIS_TLS === 'true') {
    problems.push(
      'REDIS_USERNAME / REDIS_PASSWORD / REDIS_TLS: only apply to REDIS_CLUSTER_NODES or REDIS_SENTINELS (put them in REDIS_URL)',
    )
  }
  return e.REDIS_URL ? { mode: 'single', url: e.REDIS_URL } : undefined
}

function readPrivateKey(e: z.infer<typeof envSchema>, problems: string[]): string | undefined {
  if (e.COZE_OAUTH_PRIVATE_KEY && e.COZE_OAUTH_PRIVATE_KEY_FILE) {
    problems.push('COZE_OAUTH_PRIVATE_KEY and COZE_OAUTH_PRIVATE_KEY_FILE: set only one')
    return undefined
  }
  let pem = e.COZE_OAUTH_PRIVATE_KEY?.replace(/\\n/g, '\n')
  if (e.COZE_OAUTH_PRIVATE_KEY_FILE) {
    try {
      pem = readFileSync(e.COZE_OAUTH_PRIVATE_KEY_FILE, 'utf8')
    } catch (err) {
      problems.push(
        `COZE_OAUTH_PRIVATE_KEY_FILE: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      )
      return undefined
    }
  }
  if (pem && !pem.includes('PRIVATE KEY-----')) {
    problems.push('COZE_OAUTH_PRIVATE_KEY: is not a PEM private key')
    return undefined
  }
  return pem
}
