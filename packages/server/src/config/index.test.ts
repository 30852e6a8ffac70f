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
    expect(c.widgetDir).toBe(fileURLToPath(new URL('../../../widget/dist', import.meta.url)))
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

  it('should require some Coze credential and, in production, a user-id secret', () => {
    const { COZE_PAT: _, ...noPat } = base
    expect(problemsOf({ ...noPat, NODE_ENV: 'production' })).toEqual([
      'COZE_PAT / COZE_OAUTH_*: configure OAuth JWT, a PAT, or both',
      'USER_ID_SECRET: is required in production (keys the user pseudonyms)',
    ])
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
    })
    expect(c.retentionDays).toBe(0)
    expect(c.metricsAllowlist.size).toBe(0)
    const set = loadConfig({
      ...base,
      RATE_LIMIT_USER_STREAMS: '0',
      RETENTION_DAYS: '180',
      METRICS_IP_ALLOWLIST: '10.0.0.0/8',
    })
    expect([set.limits.userStreams, set.retentionDays, set.metricsAllowlist.has('10.1.2.3')]).toEqual([
      0,
      180,
      true,
    ])
    expect(
      problemsOf({ ...base, RATE_LIMIT_USER_MESSAGES_PER_MINUTE: '-1', METRICS_IP_ALLOWLIST: 'x' }),
    ).toEqual(['RATE_LIMIT_USER_MESSAGES_PER_MINUTE: Too small: expected number to be >=0'])
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
    expect(loadConfig(base).mysql).toEqual({ poolSize: 10, connectTimeoutMs: 10_000, ssl: undefined })
    const mysql = { ...base, DATABASE_URL: 'mysql://vc:pw@db:3306/vc' }
    const dir = mkdtempSync(join(tmpdir(), 'vc-config-'))
    const ca = join(dir, 'ca.pem')
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    const c = loadConfig({
      ...mysql,
      MYSQL_POOL_SIZE: '25',
      MYSQL_CONNECT_TIMEOUT_MS: '3000',
      MYSQL_SSL_CA: ca,
    })
    expect(c.mysql).toEqual({
      poolSize: 25,
      connectTimeoutMs: 3000,
      ssl: { ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', rejectUnauthorized: true },
    })
    expect(loadConfig({ ...mysql, MYSQL_SSL: 'true' }).mysql.ssl).toEqual({ rejectUnauthorized: true })

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
