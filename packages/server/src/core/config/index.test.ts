import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError, loadConfig } from './index'

const base = {
  COZE_BOT_ID: '7379462189365198898',
  COZE_PAT: 'pat_x',
  S2S_KEYS: 'site-a:0123456789abcdef0123',
  USER_ID_SECRET: 'test-user-id-secret',
  AUDIT_KEY: 'test-audit-key-0123456789abcdef',
}

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env)
    return []
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as ConfigError).problems
  }
}

describe('loadConfig', () => {
  it('should apply SPEC defaults', () => {
    const c = loadConfig(base)
    expect(c.port).toBe(8081)
    expect(c.coze.apiBase).toBe('https://api.coze.cn')
    expect(c.coze.wsBase).toBe('wss://ws.coze.cn')
    expect(c.coze.userIdMode).toBe('pseudonym')
    expect(c.databaseUrl).toBeUndefined()
    expect(c.redisUrl).toBeUndefined()
    expect(c.s2s.keys).toEqual([{ id: 'site-a', secret: '0123456789abcdef0123' }])
    expect(c.widgetDir).toBe(fileURLToPath(new URL('../../../../widget/dist', import.meta.url)))
  })

  it('should describe where Redis is: one server, a cluster, or Sentinel (SPEC §6)', () => {
    expect(loadConfig(base).redis).toBeUndefined()
    expect(loadConfig({ ...base, REDIS_URL: 'redis://r:6379' }).redis).toEqual({
      mode: 'single',
      url: 'redis://r:6379',
    })
    expect(
      loadConfig({
        ...base,
        REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002',
        REDIS_PASSWORD: 'pw',
      }).redis,
    ).toEqual({
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      password: 'pw',
    })
    expect(
      loadConfig({
        ...base,
        REDIS_SENTINELS: 's1:26379,s2:26379',
        REDIS_SENTINEL_NAME: 'vc',
        REDIS_TLS: 'true',
      }).redis,
    ).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'vc',
      tls: true,
    })
  })

  it('should refuse two Redis modes at once and incomplete or malformed ones', () => {
    expect(problemsOf({ ...base, REDIS_URL: 'redis://r', REDIS_CLUSTER_NODES: 'a:1' })).toEqual([
      'REDIS_URL / REDIS_CLUSTER_NODES: set only one (one server, a cluster, or Sentinel)',
    ])
    expect(problemsOf({ ...base, REDIS_CLUSTER_NODES: 'a:1,b' })).toEqual([
      'REDIS_CLUSTER_NODES: "b" is not host:port',
    ])
    expect(problemsOf({ ...base, REDIS_SENTINELS: 's:26379' })[0]).toMatch(
      /^REDIS_SENTINEL_NAME: is required/,
    )
    expect(problemsOf({ ...base, REDIS_SENTINEL_NAME: 'vc' })[0]).toMatch(
      /^REDIS_SENTINEL_NAME: only applies/,
    )
    expect(problemsOf({ ...base, REDIS_URL: 'redis://r', REDIS_PASSWORD: 'pw' })[0]).toMatch(
      /^REDIS_USERNAME/,
    )
  })

  it('should list every problem, one line each', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'postgres://x',
      REDIS_URL: 'http://x',
      COZE_PAT: 'p',
    })
    expect(problems.some((p) => p.startsWith('PORT:'))).toBe(true)
    expect(problems.some((p) => p.startsWith('DATABASE_URL:'))).toBe(true)
    expect(problems.some((p) => p.startsWith('REDIS_URL:'))).toBe(true)
    expect(problems.some((p) => p.startsWith('COZE_BOT_ID:'))).toBe(true)
    expect(problems.some((p) => p.startsWith('S2S_KEYS:'))).toBe(true)
  })

  it('should catch semantic problems after the shape is right', () => {
    const problems = problemsOf({
      ...base,
      S2S_KEYS: 'a:short,b:0123456789abcdef,b:0123456789abcdef',
      S2S_IP_ALLOWLIST: '10.0.0.0/8,nope',
      COZE_OAUTH_APP_ID: 'only-this',
      CORS_ORIGINS: 'https://a.example,not an origin',
    })
    expect(problems).toEqual([
      'S2S_KEYS: secret of key "a" must be at least 16 characters',
      'S2S_KEYS: key id "b" appears twice',
      'S2S_IP_ALLOWLIST: "nope" is not an IP address or CIDR',
      'COZE_OAUTH_*: set all of COZE_OAUTH_APP_ID, COZE_OAUTH_KEY_ID and COZE_OAUTH_PRIVATE_KEY(_FILE), or none',
      'CORS_ORIGINS: "not an origin" is not an origin',
    ])
  })

  it('should require some Coze credential', () => {
    const { COZE_PAT: _, ...noPat } = base
    expect(problemsOf(noPat)).toEqual(['COZE_PAT / COZE_OAUTH_*: configure OAuth JWT, a PAT, or both'])
  })

  // Issue 20 #5: a public fallback secret was used whenever NODE_ENV was not production.
  it('should require USER_ID_SECRET and AUDIT_KEY in every mode, at least 16 characters, and different', () => {
    const { USER_ID_SECRET: _u, AUDIT_KEY: _a, ...none } = base
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(problemsOf({ ...none, NODE_ENV })).toEqual([
        'USER_ID_SECRET: is required (keys the user pseudonyms; e.g. `openssl rand -hex 32`)',
        'AUDIT_KEY: is required (keys the audit hash chain; e.g. `openssl rand -hex 32`)',
      ])
    }
    expect(problemsOf({ ...base, USER_ID_SECRET: 'short', AUDIT_KEY: 'short' })).toEqual([
      'USER_ID_SECRET: must be at least 16 characters',
      'AUDIT_KEY: must be at least 16 characters',
      'AUDIT_KEY: must differ from USER_ID_SECRET (operators exporting user data hold that one)',
    ])
    const c = loadConfig({ ...base, AUDIT_HEAD_FILE: '/var/lib/vc/audit-head.jsonl' })
    expect(c.userIdSecret).toBe(base.USER_ID_SECRET)
    expect(c.audit).toEqual({
      key: base.AUDIT_KEY,
      headFile: '/var/lib/vc/audit-head.jsonl',
      headIntervalMs: 60_000,
    })
  })

  it('should default the voice limits and timings, and check their ranges', () => {
    expect(loadConfig(base).voice).toEqual({
      voiceId: undefined,
      maxConnectionsPerUser: 2,
      secondsPerDay: 1800,
      idleTimeoutMs: 30_000,
      maxDurationMs: 300_000,
      pingIntervalMs: 15_000,
      maxFrameBytes: 1_048_576,
      ticketBindIp: true,
    })
    const c = loadConfig({
      ...base,
      COZE_VOICE_ID: 'v1',
      VOICE_TICKET_BIND_IP: 'false',
      VOICE_SECONDS_PER_DAY: '0',
    })
    expect(c.voice).toMatchObject({ voiceId: 'v1', ticketBindIp: false, secondsPerDay: 0 })
    const problems = problemsOf({ ...base, VOICE_MAX_DURATION_MS: '10', VOICE_TICKET_BIND_IP: 'yes' })
    expect(problems.map((p) => p.split(':')[0])).toEqual(['VOICE_MAX_DURATION_MS', 'VOICE_TICKET_BIND_IP'])
  })

  it('should default the guards of issue 6 and read them from the environment', () => {
    const c = loadConfig(base)
    expect(c.limits).toEqual({
      ipRequestsPerMinute: 600,
      userMessagesPerMinute: 20,
      userMessagesPerDay: 500,
      ipMessagesPerMinute: 60,
      ipMessagesPerDay: 5000,
      s2sKeyPerMinute: 600,
      userStreams: 3,
      s2sIpPerMinute: 1200,
      userFilesPerMinute: 10,
    })
    expect(c.retentionDays).toBe(0)
    // Ops endpoints: loopback only by default (issue 20, finding 9).
    expect([
      c.opsAllowlist.has('127.0.0.1'),
      c.opsAllowlist.has('::1'),
      c.opsAllowlist.has('10.1.2.3'),
    ]).toEqual([true, true, false])
    const set = loadConfig({
      ...base,
      RATE_LIMIT_USER_STREAMS: '0',
      RETENTION_DAYS: '180',
      METRICS_IP_ALLOWLIST: '10.0.0.0/8',
    })
    expect([set.limits.userStreams, set.retentionDays, set.opsAllowlist.has('10.1.2.3')]).toEqual([
      0,
      180,
      true,
    ])
    expect(
      problemsOf({ ...base, RATE_LIMIT_USER_MESSAGES_PER_MINUTE: '-1', METRICS_IP_ALLOWLIST: 'x' }),
    ).toEqual(['RATE_LIMIT_USER_MESSAGES_PER_MINUTE: Too small: expected number to be >=0'])
  })

  it('should default the HTTP server limits and keep idle cuts above every heartbeat (issue 20)', () => {
    expect(loadConfig(base).http).toEqual({
      requestTimeoutMs: 60_000,
      connectionTimeoutMs: 300_000,
      keepAliveTimeoutMs: 72_000,
      maxHeaderBytes: 16_384,
    })
    expect(loadConfig({ ...base, HTTP_CONNECTION_TIMEOUT_MS: '0' }).http.connectionTimeoutMs).toBe(0)
    expect(problemsOf({ ...base, HTTP_CONNECTION_TIMEOUT_MS: '100000' })).toEqual([
      expect.stringMatching(/^HTTP_CONNECTION_TIMEOUT_MS: must be 0 \(off\) or above .*\(120000\)$/),
    ])
    expect(problemsOf({ ...base, HTTP_REQUEST_TIMEOUT_MS: '10', HTTP_MAX_HEADER_BYTES: '10' }).length).toBe(2)
  })

  it('should take OPS_IP_ALLOWLIST, else METRICS_IP_ALLOWLIST, else loopback for the ops endpoints', () => {
    const ops = loadConfig({ ...base, OPS_IP_ALLOWLIST: '10.0.0.0/8', METRICS_IP_ALLOWLIST: '192.0.2.1' })
    expect([ops.opsAllowlist.has('10.1.2.3'), ops.opsAllowlist.has('192.0.2.1')]).toEqual([true, false])
    expect(problemsOf({ ...base, OPS_IP_ALLOWLIST: 'x' })).toEqual([
      'OPS_IP_ALLOWLIST: "x" is not an IP address or CIDR',
    ])
  })

  it('should migrate at start unless MIGRATE_ON_START=false', () => {
    expect(loadConfig(base).migrateOnStart).toBe(true)
    expect(loadConfig({ ...base, MIGRATE_ON_START: 'false' }).migrateOnStart).toBe(false)
    expect(problemsOf({ ...base, MIGRATE_ON_START: 'no' }).map((p) => p.split(':')[0])).toEqual([
      'MIGRATE_ON_START',
    ])
  })

  it('should read a private key with escaped newlines', () => {
    const c = loadConfig({
      ...base,
      COZE_OAUTH_APP_ID: 'app',
      COZE_OAUTH_KEY_ID: 'kid',
      COZE_OAUTH_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----',
    })
    expect(c.coze.oauth?.privateKeyPem).toContain('\nabc\n')
  })

  // SPEC §3, coze-protocol §9 rows 6–7: aud is Coze's host name whatever COZE_API_BASE is.
  it('should pick the OAuth audience from the site, never the base URL host, and no channel by default', () => {
    const oauth = {
      ...base,
      COZE_OAUTH_APP_ID: 'app',
      COZE_OAUTH_KEY_ID: 'kid',
      COZE_OAUTH_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----',
    }
    const of = (env: Record<string, string>) => loadConfig({ ...oauth, ...env }).coze.oauth
    expect(of({})).toMatchObject({ audience: 'api.coze.cn', channel: false })
    expect(of({ COZE_API_BASE: 'http://egress.corp.example:8080/coze' })?.audience).toBe('api.coze.cn')
    expect(of({ COZE_API_BASE: 'https://api.coze.com' })?.audience).toBe('api.coze.com')
    expect(
      of({ COZE_API_BASE: 'http://127.0.0.1:9100', COZE_OAUTH_AUDIENCE: 'api.coze.com' })?.audience,
    ).toBe('api.coze.com')
    expect(of({ COZE_OAUTH_CHANNEL: 'true' })?.channel).toBe(true)
    expect(
      problemsOf({ ...oauth, COZE_OAUTH_AUDIENCE: 'https://api.coze.cn/', COZE_OAUTH_CHANNEL: 'yes' }),
    ).toEqual([
      'COZE_OAUTH_AUDIENCE: must be a host name like api.coze.cn (no scheme, no path)',
      expect.stringMatching(/^COZE_OAUTH_CHANNEL: /),
    ])
  })

  it("should read website A's tool endpoint: none by default, a URL needs its key", () => {
    expect(loadConfig(base).tools).toEqual({
      url: undefined,
      keyId: undefined,
      secret: undefined,
      timeoutMs: 10_000,
    })
    const tools = { TOOLS_URL: 'http://site-a.internal:3000/tools', TOOLS_KEY_ID: 'tools-1' }
    expect(
      loadConfig({ ...tools, ...base, TOOLS_SECRET: 'tools-secret-0123456789', TOOLS_TIMEOUT_MS: '2500' })
        .tools,
    ).toEqual({
      url: 'http://site-a.internal:3000/tools',
      keyId: 'tools-1',
      secret: 'tools-secret-0123456789',
      timeoutMs: 2500,
    })
    expect(problemsOf({ ...base, ...tools })).toEqual([
      'TOOLS_KEY_ID / TOOLS_SECRET: are required when TOOLS_URL is set',
    ])
    expect(problemsOf({ ...base, ...tools, TOOLS_SECRET: 'short' })).toEqual([
      'TOOLS_SECRET: must be at least 16 characters',
    ])
    const shape = problemsOf({ ...base, TOOLS_URL: 'ftp://x/tools', TOOLS_TIMEOUT_MS: '0' })
    expect(shape.map((p) => p.split(':')[0])).toEqual(['TOOLS_URL', 'TOOLS_TIMEOUT_MS'])
  })

  it('should read the MySQL pool and TLS settings: a CA file turns verified TLS on', () => {
    expect(loadConfig(base).mysql).toEqual({
      poolSize: 10,
      connectTimeoutMs: 10_000,
      acquireTimeoutMs: 5_000,
      queryTimeoutMs: 5_000,
      queueLimit: 200,
      ssl: undefined,
    })
    const mysql = { ...base, DATABASE_URL: 'mysql://vc:pw@db:3306/vc' }
    const dir = mkdtempSync(join(tmpdir(), 'vc-config-'))
    const ca = join(dir, 'ca.pem')
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    const c = loadConfig({
      ...mysql,
      MYSQL_POOL_SIZE: '25',
      MYSQL_CONNECT_TIMEOUT_MS: '3000',
      MYSQL_ACQUIRE_TIMEOUT_MS: '2000',
      MYSQL_QUERY_TIMEOUT_MS: '8000',
      MYSQL_QUEUE_LIMIT: '0',
      MYSQL_SSL_CA: ca,
    })
    expect(c.mysql).toEqual({
      poolSize: 25,
      connectTimeoutMs: 3000,
      acquireTimeoutMs: 2000,
      queryTimeoutMs: 8000,
      queueLimit: 0,
      ssl: { ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', rejectUnauthorized: true },
    })
    expect(loadConfig({ ...mysql, MYSQL_SSL: 'true' }).mysql.ssl).toEqual({ rejectUnauthorized: true })
    expect(problemsOf({ ...mysql, MYSQL_QUERY_TIMEOUT_MS: '50', MYSQL_QUEUE_LIMIT: '-1' })).toHaveLength(2)

    writeFileSync(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\n')
    expect(problemsOf({ ...mysql, MYSQL_SSL_CA: join(dir, 'missing.pem') })).toEqual([
      'MYSQL_SSL_CA: cannot read (ENOENT)',
    ])
    expect(problemsOf({ ...mysql, MYSQL_SSL_CA: join(dir, 'key.pem') })).toEqual([
      'MYSQL_SSL_CA: is not a PEM certificate file',
    ])
    expect(problemsOf({ ...base, MYSQL_SSL: 'true' })).toEqual([
      'MYSQL_SSL / MYSQL_SSL_CA: only apply to DATABASE_URL=mysql://…',
    ])
    const shape = problemsOf({
      ...mysql,
      MYSQL_POOL_SIZE: '0',
      MYSQL_CONNECT_TIMEOUT_MS: 'x',
      MYSQL_SSL: 'yes',
    })
    expect(shape.map((p) => p.split(':')[0])).toEqual([
      'MYSQL_POOL_SIZE',
      'MYSQL_CONNECT_TIMEOUT_MS',
      'MYSQL_SSL',
    ])
  })
})
