import Fastify, { type FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createCozeAuth } from '../core/coze/auth'
import { installErrorHandler } from '../core/http/error-handler'
import { createMemoryKv } from '../backends/memory/kv'
import { openSqliteStore } from '../store/sqlite'
import { healthRoutes, type HealthRoutesOptions } from './routes'

let app: FastifyInstance | undefined
afterEach(() => app?.close())

async function start(o: Partial<HealthRoutesOptions> = {}) {
  const kv = createMemoryKv()
  const log = pino({ level: 'silent' })
  const store = await openSqliteStore(':memory:')
  const cozeAuth = createCozeAuth({
    apiBase: 'http://127.0.0.1:9',
    tokenTtlSeconds: 900,
    botId: 'b',
    pat: 'pat_x',
    kv,
    log,
  })
  app = Fastify()
  installErrorHandler(app)
  await app.register(healthRoutes, { store, kv, cozeAuth, ...o })
  return { app, store }
}

const readyz = async () => {
  const r = await app!.inject('/readyz')
  return { status: r.statusCode, body: r.json() as { status?: string; checks?: Record<string, string> } }
}

describe('/readyz (issue 19)', () => {
  it('should stay ready when a dependency every pod shares is down, naming it in the body', async () => {
    const { store } = await start()
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', checks: { sqlite: 'ok' } } })
    await store.close() // the database goes away: every pod would see the same
    const r = await readyz()
    expect(r).toMatchObject({ status: 200, body: { status: 'degraded' } })
    expect(r.body.checks?.sqlite).toMatch(/^down/)
  })

  it('should answer 503 NOT_READY while this pod drains', async () => {
    let draining = false
    await start({ isDraining: () => draining })
    expect((await readyz()).status).toBe(200)
    draining = true
    const r = await app!.inject('/readyz')
    expect(r.statusCode).toBe(503)
    expect(r.json()).toMatchObject({ error: { code: 'NOT_READY', checks: { draining: 'yes' } } })
  })

  it('should answer 503 NOT_READY while its event loop lags', async () => {
    await start({ maxEventLoopLagMs: 100 })
    const until = Date.now() + 800 // past the first sample
    while (Date.now() < until); // this pod's own trouble: a blocked event loop
    const r = await app!.inject('/readyz')
    expect(r.statusCode).toBe(503)
    expect(r.json()).toMatchObject({
      error: { code: 'NOT_READY', checks: { eventLoop: expect.stringMatching(/^down/) } },
    })
  })

  it('should show the checks only to callers allowed to see them', async () => {
    await start({ showChecks: () => false })
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } })
  })

  it('should keep /healthz as it is', async () => {
    await start({ isDraining: () => true })
    expect((await app!.inject('/healthz')).json()).toEqual({ status: 'ok' })
  })
})
