/**
 * Starts a whole stack for integration tests: coze-sim, the Chat Service on real MySQL + Redis (or on
 * the embedded default), and website A's signing client. Each stack has its own database and prefix.
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino from 'pino'
import { createChatServiceClient } from '@volcano-chat/client'
import { startCozeSim, type CozeSimOptions } from '@volcano-chat/coze-sim'
import { buildApp } from '../src/app/app'
import { loadConfig } from '../src/core/config'
import { loggerOptions } from '../src/core/logger'
import { openServices } from '../src/app/services'
import type { Store } from '../src/store/types'
import { BOT_ID, OAUTH_APP, PAT, S2S_KEY, simTrusting } from '../../../test/fixtures'
import { createTestDatabase, createTestRedisPrefix, testRedisUrl } from '../../../test/services'
import { readStream } from './sse-client'

export { BOT_ID, OAUTH_APP, PAT, S2S_KEY }
/** The two secrets every start needs (issue 20 #5: no built-in fallback any more). */
export const SECRETS = { USER_ID_SECRET: 'test-user-id-secret', AUDIT_KEY: 'test-audit-key-0123456789abcdef' }

let keyPair: { publicKeyPem: string; privateKeyPem: string } | undefined
/** One RSA key pair per test process (generation is slow-ish). */
export function testKeyPair() {
  if (!keyPair) {
    const k = generateKeyPairSync('rsa', { modulusLength: 2048 })
    keyPair = {
      publicKeyPem: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKeyPem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    }
  }
  return keyPair
}

export interface StackOptions {
  backend: 'mysql' | 'embedded'
  sim?: CozeSimOptions
  /** Coze credentials the service is given: working, broken, or absent. */
  oauth?: 'ok' | 'broken' | 'none'
  pat?: 'ok' | 'broken' | 'none'
  env?: Record<string, string>
  wrapStore?: (s: Store) => Store
  /** Another instance of the same deployment (mysql): shares its database and Redis prefix, not its coze-sim. */
  sharedWith?: { config: { databaseUrl?: string; redisPrefix: string } }
}

/**
 * Limits far above what any test sends, so only tests about limits meet them (they set their own).
 * Keep in step with the RATE_LIMIT_* variables in config/index.ts.
 */
const GENEROUS_LIMITS = {
  RATE_LIMIT_IP_REQUESTS_PER_MINUTE: '100000',
  RATE_LIMIT_USER_MESSAGES_PER_MINUTE: '100000',
  RATE_LIMIT_USER_MESSAGES_PER_DAY: '100000',
  RATE_LIMIT_IP_MESSAGES_PER_MINUTE: '100000',
  RATE_LIMIT_IP_MESSAGES_PER_DAY: '100000',
  RATE_LIMIT_S2S_KEY_PER_MINUTE: '100000',
  RATE_LIMIT_USER_STREAMS: '1000',
}

export async function startStack(o: StackOptions) {
  const keys = testKeyPair()
  const sim = await startCozeSim({
    ...simTrusting(keys.publicKeyPem),
    firstTokenDelayMs: 5,
    tokensPerSecond: 0,
    ...o.sim,
  })
  const shared = o.sharedWith
  const db = shared ? undefined : o.backend === 'mysql' ? await createTestDatabase() : undefined
  const oauth = o.oauth ?? 'ok'
  const pat = o.pat ?? 'none'
  const logLines: string[] = []
  const log = pino(
    loggerOptions('debug'),
    new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }),
  )
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: shared ? shared.config.databaseUrl : db?.url,
    SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'vc-sqlite-')), 'chat.sqlite'),
    REDIS_URL: o.backend === 'mysql' ? testRedisUrl() : undefined,
    // Embedded stacks run in the unit tier, without the global setup's run id (and without Redis).
    REDIS_PREFIX: shared
      ? shared.config.redisPrefix
      : o.backend === 'mysql'
        ? createTestRedisPrefix()
        : undefined,
    COZE_API_BASE: sim.url,
    COZE_WS_BASE: sim.url.replace(/^http/, 'ws'),
    COZE_BOT_ID: BOT_ID,
    ...(oauth !== 'none' && {
      COZE_OAUTH_APP_ID: oauth === 'ok' ? OAUTH_APP.appId : 'unknown-app',
      COZE_OAUTH_KEY_ID: OAUTH_APP.keyId,
      COZE_OAUTH_PRIVATE_KEY: keys.privateKeyPem,
    }),
    ...(pat !== 'none' && { COZE_PAT: pat === 'ok' ? PAT : 'pat_revoked_long_ago' }),
    S2S_KEYS: `${S2S_KEY.id}:${S2S_KEY.secret}`,
    ...SECRETS,
    ...GENEROUS_LIMITS,
    ...o.env,
  })
  const services = await openServices(config, { log, wrapStore: o.wrapStore })
  const app = await buildApp(services)
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const client = createChatServiceClient({ baseUrl: url, keyId: S2S_KEY.id, secret: S2S_KEY.secret })

  const send = (token: string | undefined, body: unknown, init: RequestInit = {}) =>
    fetch(`${url}/api/chat/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
      ...init,
    })

  return {
    url,
    app,
    sim,
    services,
    store: services.store,
    kv: services.kv,
    config,
    client,
    logLines,
    db,
    send,
    /** Sends and reads the whole stream (or the error envelope). */
    chat: async (token: string, body: unknown) => readStream(await send(token, body)),
    /** A fresh session for a random phone, with the pseudonymous userId the archive uses. */
    async newUser(phone = randomPhone()) {
      const session = await client.createSession({ phone })
      const user = await services.sessions.resolve(session.token)
      return { phone, ...session, userId: user!.userId }
    },
    async close() {
      await app.close()
      await services.close()
      await sim.close()
      await db?.drop()
    },
  }
}

export type Stack = Awaited<ReturnType<typeof startStack>>

export const randomPhone = () => `13${Math.floor(100_000_000 + Math.random() * 899_999_999)}`
