/** The limit hooks on a bare fastify app: headers, fail-open for chat and fail-closed for S2S. */
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisUrl } from '../../../../test/services'
import { installErrorHandler } from '../core/http/error-handler'
import { createMemoryBackend } from '../backends/memory'
import { openRedisBackend } from '../backends/redis'
import type { Backend } from '../backends/types'
import type { RedisKv } from '../backends/redis/kv'
import { createLimits, type LimitsConfig } from './limits'
import type { SessionUser } from '../core/session-user'

const config: LimitsConfig = {
  ipRequestsPerMinute: 3,
  userMessagesPerMinute: 1,
  userMessagesPerDay: 10,
  ipMessagesPerMinute: 10,
  ipMessagesPerDay: 10,
  s2sKeyPerMinute: 5,
  s2sIpPerMinute: 4,
  userStreams: 0,
  userFilesPerMinute: 2,
}
const user = { userId: 'u1', phoneMasked: '138****8000' } as SessionUser

const apps: { close(): Promise<unknown> }[] = []
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close()
})

const memory = () => createMemoryBackend({ prefix: 'test' })
const onRedis = () =>
  openRedisBackend({ connection: { mode: 'single', url: testRedisUrl() }, prefix: createTestRedisPrefix() })
/** What a Redis outage looks like to this instance: its connection drops. */
const dropRedis = (b: Backend) => (b.kv as RedisKv).redis.disconnect()

async function appOn(backend: Backend) {
  const rejected: string[] = []
  const { rateStore, slots } = backend
  const limits = createLimits({ config, rateStore, slots, onReject: (l) => rejected.push(l) })
  const app = Fastify()
  installErrorHandler(app)
  app.decorateRequest('user', null)
  app.addHook('onRequest', limits.addressRequest)
  app.addHook('preHandler', async (request) => {
    request.user = user
    request.s2sKeyId = 'site-a'
  })
  app.post('/api/chat/send', { preHandler: limits.chatGuard }, async () => ({ ok: true }))
  app.get('/api/chat/history', async () => ({ ok: true }))
  app.post('/api/chat/files', { preHandler: limits.consumeUpload }, async () => ({ ok: true }))
  app.post('/api/internal/session/create', { preHandler: limits.s2sGuard.take }, async () => ({ ok: true }))
  apps.push(app, backend)
  return { app, limits, rejected }
}

describe('createLimits', () => {
  it('should limit widget requests per address before anything else, with headers', async () => {
    const { app, rejected } = await appOn(memory())
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await app.inject({ url: '/api/chat/history' })).statusCode)
    expect(statuses).toEqual([200, 200, 200, 429])
    const ok = await app.inject({ url: '/api/internal/session/create', method: 'POST' })
    expect(ok.statusCode).toBe(200) // internal endpoints are not widget endpoints
    expect(rejected).toEqual(['ip-requests'])
  })

  it('should limit uploads per user, with headers, and refuse past the limit as user-files', async () => {
    const { app, rejected } = await appOn(memory())
    const upload = () => app.inject({ url: '/api/chat/files', method: 'POST' })
    const first = await upload()
    expect([
      first.statusCode,
      first.headers['ratelimit-limit'],
      first.headers['ratelimit-remaining'],
    ]).toEqual([200, '2', '1'])
    expect((await upload()).statusCode).toBe(200)
    const refused = await upload()
    expect(refused.statusCode).toBe(429)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED', limit: 'user-files' } })
    expect(rejected).toEqual(['user-files'])
  })

  it('should count encoded paths of a route as that route (issue 20, finding 2)', async () => {
    const { app } = await appOn(memory())
    const statuses = []
    for (const url of [
      '/%61pi/chat/history',
      '/api/%63hat/history',
      '/api/chat/%68istory',
      '/%61pi/chat/history',
    ])
      statuses.push((await app.inject({ url })).statusCode)
    expect(statuses).toEqual([200, 200, 200, 429])
  })

  it('should limit /api/internal/* per address on its own budget (issue 20, finding 6)', async () => {
    const { app, rejected } = await appOn(memory())
    const statuses = []
    for (let i = 0; i < 5; i++)
      statuses.push((await app.inject({ url: '/api/internal/session/create', method: 'POST' })).statusCode)
    expect(statuses).toEqual([200, 200, 200, 200, 429])
    // Unmatched internal paths (404, 405) spend it too: they are parsed and audited just the same.
    expect((await app.inject({ url: '/api/internal/nothing' })).statusCode).toBe(429)
    expect((await app.inject({ url: '/api/chat/history' })).statusCode).toBe(200)
    expect(rejected).toEqual(['s2s-ip', 's2s-ip'])
  })

  it('should keep chat answering on in-process counters while Redis is down', async () => {
    const backend = await onRedis()
    const { app, limits } = await appOn(backend)
    expect(limits.status().shared).toBe(true)
    await expect(limits.readiness()).resolves.toBeUndefined()
    dropRedis(backend)
    const first = await app.inject({ url: '/api/chat/send', method: 'POST' })
    expect(first.statusCode).toBe(200)
    expect(first.headers['ratelimit-remaining']).toBe('0')
    expect((await app.inject({ url: '/api/chat/send', method: 'POST' })).statusCode).toBe(429)
    expect(limits.status()).toEqual({ shared: false, detail: expect.stringMatching(/fail open/) })
    await expect(limits.readiness()).rejects.toThrow(/session\/create refused/)
  })

  it('should refuse session/create with 503 NOT_READY while Redis is down', async () => {
    const backend = await onRedis()
    const { app } = await appOn(backend)
    dropRedis(backend)
    const res = await app.inject({ url: '/api/internal/session/create', method: 'POST' })
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ error: { code: 'NOT_READY' } })
  })

  it('should report in-process limits as fine on the embedded default', async () => {
    const { limits } = await appOn(memory())
    expect(limits.status().shared).toBe(false)
    await expect(limits.readiness()).resolves.toBeUndefined()
  })
})
