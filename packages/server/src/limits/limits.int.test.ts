/**
 * SPEC §2.6 on real MySQL + Redis: per-user and per-address message limits with their headers, counters
 * shared by a second instance, the open-stream cap, and the per-key limit on session/create.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signature } from '@volcano-chat/client'
import { randomPhone, S2S_KEY, startStack, type Stack } from '../../test/harness'
import { readStream } from '../../test/sse-client'
import type { RedisKv } from '../backends/redis/kv'

const LIMITS = {
  RATE_LIMIT_USER_MESSAGES_PER_MINUTE: '2',
  RATE_LIMIT_IP_MESSAGES_PER_MINUTE: '3',
  RATE_LIMIT_USER_STREAMS: '1',
  // The test client's requests arrive from loopback; X-Forwarded-For names the "real" client.
  TRUST_PROXY: '127.0.0.1, ::1',
}

let a: Stack
let b: Stack
beforeAll(async () => {
  a = await startStack({ backend: 'mysql', env: LIMITS })
  b = await startStack({ backend: 'mysql', env: LIMITS, sharedWith: a })
})
afterAll(async () => {
  await b?.close()
  await a?.close()
})

let ipSeq = 0
const freshIp = () => `198.51.100.${++ipSeq}`
const send = (stack: Stack, token: string, ip: string, message = '你好', signal?: AbortSignal) =>
  fetch(`${stack.url}/api/chat/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-forwarded-for': ip },
    body: JSON.stringify({ message }),
    signal,
  })
const rateHeaders = (res: Response) =>
  ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after'].map((h) => res.headers.get(h))

describe('per-user message limit', () => {
  it('should count down in the headers of the streams, then answer 429 with Retry-After', async () => {
    const user = await a.newUser()
    const ip = freshIp()
    const first = await readStream(await send(a, user.token, ip))
    expect(first.status).toBe(200)
    const [limit, remaining, reset] = rateHeaders(new Response(null, { headers: first.headers }))
    expect([limit, remaining]).toEqual(['2', '1'])
    expect(Number(reset)).toBeGreaterThan(0)
    expect(Number(reset)).toBeLessThanOrEqual(60)
    const second = await readStream(await send(a, user.token, ip))
    expect(second.headers.get('ratelimit-remaining')).toBe('0')

    const third = await send(a, user.token, ip)
    expect(third.status).toBe(429)
    const [l3, r3, reset3, retryAfter] = rateHeaders(third)
    expect([l3, r3]).toEqual(['2', '0'])
    expect(Number(retryAfter)).toBeGreaterThan(0)
    expect(retryAfter).toBe(reset3)
    expect(await third.json()).toMatchObject({
      error: { code: 'RATE_LIMITED', limit: 'user-minute', requestId: expect.any(String) },
    })
  })
})

describe('per-address message limit', () => {
  it('should stop a fourth user behind one address while each user is under their own limit', async () => {
    const ip = freshIp()
    for (let i = 0; i < 3; i++) {
      const u = await a.newUser()
      expect((await readStream(await send(a, u.token, ip))).status).toBe(200)
    }
    const fourth = await a.newUser()
    const res = await send(a, fourth.token, ip)
    expect(res.status).toBe(429)
    expect(((await res.json()) as { error: { limit: string } }).error.limit).toBe('ip-minute')
    expect((await readStream(await send(a, fourth.token, freshIp()))).status).toBe(200)
  })
})

describe('two instances', () => {
  it('should share the counters through Redis', async () => {
    const user = await a.newUser()
    expect((await readStream(await send(a, user.token, freshIp()))).status).toBe(200)
    const onB = await readStream(await send(b, user.token, freshIp()))
    expect(onB.status).toBe(200)
    expect(onB.headers.get('ratelimit-remaining')).toBe('0')
    expect((await send(a, user.token, freshIp())).status).toBe(429)
    expect((await send(b, user.token, freshIp())).status).toBe(429)
  })
})

describe('open-stream cap', () => {
  it('should refuse a second open stream of a user, on either instance, until the first closes', async () => {
    const user = await a.newUser()
    const ac = new AbortController()
    const held = await send(a, user.token, freshIp(), '长回答 [[sim:stall-after=2]]', ac.signal)
    expect(held.status).toBe(200)
    // The stream is open and stays open: the sim stalls after two pieces until the answer is cancelled.
    const { value } = await held.body!.getReader().read()
    const messageId = /"messageId":"([^"]+)"/.exec(new TextDecoder().decode(value))![1]!
    expect(await a.services.limits.openStreams(user.userId)).toBe(1)

    for (const stack of [a, b]) {
      const refused = await send(stack, user.token, freshIp())
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBeTruthy()
      expect(((await refused.json()) as { error: { limit: string } }).error.limit).toBe('user-streams')
    }

    ac.abort()
    await expect.poll(() => a.services.limits.openStreams(user.userId)).toBe(0)
    expect((await readStream(await send(b, user.token, freshIp()))).status).toBe(200)
    const cancel = await fetch(`${a.url}/api/chat/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ messageId }),
    })
    expect(cancel.status).toBe(200)
  })
})

describe('per-key limit on session/create', () => {
  let s: Stack
  beforeAll(async () => {
    s = await startStack({
      backend: 'mysql',
      env: {
        RATE_LIMIT_S2S_KEY_PER_MINUTE: '2',
        S2S_KEYS: `${S2S_KEY.id}:${S2S_KEY.secret},other-key:other-secret-0123456789,third-key:third-secret-0123456789`,
      },
    })
  })
  afterAll(() => s?.close())

  const create = (keyId: string, secret: string, nonce?: string) =>
    signedPost('/api/internal/session/create', { phone: randomPhone() }, keyId, secret, nonce)

  const signedPost = (path: string, json: unknown, keyId: string, secret: string, nonce?: string) => {
    const body = JSON.stringify(json)
    const timestamp = Math.floor(Date.now() / 1000)
    nonce ??= `n_${Math.random().toString(36).slice(2)}_${timestamp}`
    return fetch(s.url + path, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-vc-key-id': keyId,
        'x-vc-timestamp': String(timestamp),
        'x-vc-nonce': nonce,
        'x-vc-signature': signature({ secret, method: 'POST', path, timestamp, nonce, body }),
      },
    })
  }

  it('should limit each signing key on its own, with headers', async () => {
    const first = await create(S2S_KEY.id, S2S_KEY.secret)
    expect(first.status).toBe(201)
    expect(rateHeaders(first).slice(0, 2)).toEqual(['2', '1'])
    expect((await create(S2S_KEY.id, S2S_KEY.secret)).status).toBe(201)
    const third = await create(S2S_KEY.id, S2S_KEY.secret)
    expect(third.status).toBe(429)
    expect(((await third.json()) as { error: { limit: string } }).error.limit).toBe('s2s-key')
    expect(third.headers.get('retry-after')).toBeTruthy()
    expect((await create('other-key', 'other-secret-0123456789')).status).toBe(201)
  })

  it('should leave session/revoke out of the key budget', async () => {
    // The key spent its budget on creates in the test above; a revoke still goes through.
    const path = '/api/internal/session/revoke'
    const revoke = await signedPost(path, { phone: randomPhone() }, S2S_KEY.id, S2S_KEY.secret)
    expect(revoke.status).toBe(200)
    expect((await create(S2S_KEY.id, S2S_KEY.secret)).status).toBe(429)
  })

  it('should not spend a key budget on requests whose signature fails', async () => {
    const forged = await create('other-key', 'not-the-secret-0123456789')
    expect(forged.status).toBe(401)
    expect((await create('other-key', 'other-secret-0123456789')).status).toBe(201)
  })

  it('should not spend a key budget on replayed nonces', async () => {
    const key = ['third-key', 'third-secret-0123456789'] as const
    const nonce = `replayed_${Date.now()}_0123456789`
    expect((await create(...key, nonce)).status).toBe(201)
    for (let i = 0; i < 3; i++) {
      const replay = await create(...key, nonce)
      expect(replay.status).toBe(401)
      expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('NONCE_REPLAYED')
    }
    const second = await create(...key)
    expect(second.status).toBe(201)
    expect(second.headers.get('ratelimit-remaining')).toBe('0')
  })
})

describe('/readyz', () => {
  it('should say limits are shared, and say what happens once Redis is unreachable', async () => {
    const s = await startStack({ backend: 'mysql' })
    const redis = (s.kv as RedisKv).redis
    const rateLimitsCheck = async () => {
      const body = (await (await fetch(`${s.url}/readyz`)).json()) as {
        checks?: Record<string, string>
        error?: { checks: Record<string, string> }
      }
      return (body.checks ?? body.error?.checks)?.rateLimits
    }
    try {
      expect(await rateLimitsCheck()).toBe('ok')
      redis.disconnect() // the client learns it is closed on the socket's close event: poll
      await expect
        .poll(rateLimitsCheck)
        .toBe('down: Redis unreachable: chat limits per instance (fail open), session/create refused')
    } finally {
      if (redis.status !== 'ready') await redis.connect() // so that shutdown can release what it holds
      await s.close()
    }
  })
})
