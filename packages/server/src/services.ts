/**
 * Opens every dependency from a validated config, in order, and closes them in reverse.
 * `main.ts` and the test harness both start the service through here.
 */
import pino, { type Logger } from 'pino'
import { createRelay } from './chat/relay'
import { combineObservers, type ChatObserver } from './chat/observer'
import type { Config } from './config'
import { createCozeAuth } from './coze/auth'
import { createCozeClient } from './coze/client'
import { createSessions } from './identity/sessions'
import { openKv } from './kv'
import { loggerOptions } from './logger'
import { openStore } from './store'
import type { Store } from './store/types'

export interface ServiceOverrides {
  log?: Logger
  /** Extra observers of the chat flow (metrics and audit register theirs in openServices). */
  observers?: ChatObserver[]
  /** Wraps the opened store (tests use it to delay or fail writes). */
  wrapStore?: (s: Store) => Store
}

export async function openServices(config: Config, o: ServiceOverrides = {}) {
  const log = o.log ?? pino(loggerOptions(config.logLevel))
  const opened = await openStore(config.databaseUrl, { sqlitePath: config.sqlitePath })
  await opened.migrate()
  const store = o.wrapStore ? o.wrapStore(opened) : opened
  const kv = await openKv({ url: config.redisUrl, prefix: config.redisPrefix })
  const cozeAuth = createCozeAuth({
    apiBase: config.coze.apiBase,
    oauth: config.coze.oauth,
    tokenTtlSeconds: config.coze.oauthTokenTtlSeconds,
    botId: config.coze.botId,
    pat: config.coze.pat,
    kv,
    log,
  })
  const coze = createCozeClient({
    apiBase: config.coze.apiBase,
    botId: config.coze.botId,
    auth: cozeAuth,
    idleTimeoutMs: config.coze.idleTimeoutMs,
    onMalformedEvent: (name) => log.warn({ event: name }, 'Coze sent an event that could not be parsed'),
  })
  const sessions = createSessions({
    kv,
    store,
    userIdSecret: config.userIdSecret,
    cozeUserIdMode: config.coze.userIdMode,
    defaultTtlSeconds: config.sessionTtlSeconds,
  })
  const observer = combineObservers(o.observers ?? [], (err) => log.warn({ err }, 'chat observer failed'))
  const relay = createRelay({ store, kv, coze, log, observer })
  if (config.userIdSecretIsDefault) log.warn('USER_ID_SECRET is not set: using the development default')
  if (!config.redisUrl) log.info('REDIS_URL not set: in-process store (single instance only)')
  return {
    config,
    log,
    store,
    kv,
    cozeAuth,
    coze,
    sessions,
    relay,
    async close() {
      await coze.close()
      await kv.close()
      await store.close()
    },
  }
}

export type Services = Awaited<ReturnType<typeof openServices>>
