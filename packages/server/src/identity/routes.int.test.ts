import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { signature } from '@volcano-chat/client'
import { startStack, S2S_KEY, randomPhone, type Stack } from '../../test/harness'
import { testRedisUrl } from '../../../../test/services'
import { keys } from '../core/kv/keys'
import { hashToken } from '../core/token'

let stack: Stack
beforeAll(async () => {
  stack = await startStack({
    backend: 'mysql',
    env: { S2S_KEYS: `${S2S_KEY.id}:${S2S_KEY.secret},old-key:old-secret-0123456789` },
  })
})
afterAll(() => stack?.close())

/** A hand-signed call, so each header can be broken on purpose. */
async function signedPost(
  path: string,
  body: string,
  over: Record<string, string> = {},
  secret = S2S_KEY.secret,
) {
  const timestamp = Number(over['x-vc-timestamp'] ?? Math.floor(Date.now() / 1000))
  const nonce = over['x-vc-nonce'] ?? `n_${Math.random().toString(36).slice(2)}_${Date.now()}`
  const headers = {
    'content-type': 'application/json',
    'x-vc-key-id': S2S_KEY.id,
    'x-vc-timestamp': String(timestamp),
    'x-vc-nonce': nonce,
    'x-vc-signature': signature({ secret, method: 'POST', path, timestamp, nonce, body }),
    ...over,
  }
  const res = await fetch(stack.url + path, { method: 'POST', headers, body })
  return {
    status: res.status,
    json: (await res.json()) as { error?: { code: string; requestId: string } } & Record<string, unknown>,
    res,
  }
}

const CREATE = '/api/internal/session/create'

describe('POST /api/internal/session/create', () => {
  it('should mint a ≥128-bit opaque token and a chat_session row', async () => {
    const r = await signedPost(CREATE, JSON.stringify({ phone: '+8613800138000', displayName: '张三' }))
    expect(r.status).toBe(201)
    expect(r.json.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Date.parse(r.json.expiresAt as string)).toBeGreaterThan(Date.now())
    expect(r.res.headers.get('x-request-id')).toBeTruthy()
  })

  it.each([
    ['SIGNATURE_INVALID', { 'x-vc-signature': 'v1=' + 'f'.repeat(64) }],
    ['TIMESTAMP_OUT_OF_WINDOW', { 'x-vc-timestamp': String(Math.floor(Date.now() / 1000) - 301) }],
    // An unknown key id is told apart only in the audit row (issue 20, finding 9).
    ['SIGNATURE_INVALID', { 'x-vc-key-id': 'who' }],
  ])('should answer 401 %s', async (code, over) => {
    const r = await signedPost(CREATE, JSON.stringify({ phone: randomPhone() }), over)
    expect(r.status).toBe(401)
    expect(r.json.error).toMatchObject({ code, requestId: expect.any(String) })
  })

  it('should answer 401 NONCE_REPLAYED on a replay', async () => {
    const body = JSON.stringify({ phone: randomPhone() })
    const first = await signedPost(CREATE, body, { 'x-vc-nonce': 'replay-nonce-0123456789' })
    expect(first.status).toBe(201)
    const again = await signedPost(CREATE, body, { 'x-vc-nonce': 'replay-nonce-0123456789' })
    expect(again.json.error?.code).toBe('NONCE_REPLAYED')
  })

  it('should reject a body changed after signing', async () => {
    const timestamp = Math.floor(Date.now() / 1000)
    const nonce = 'tamper-nonce-0123456789'
    const signedBody = JSON.stringify({ phone: '13800138000' })
    const res = await fetch(stack.url + CREATE, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-vc-key-id': S2S_KEY.id,
        'x-vc-timestamp': String(timestamp),
        'x-vc-nonce': nonce,
        'x-vc-signature': signature({
          secret: S2S_KEY.secret,
          method: 'POST',
          path: CREATE,
          timestamp,
          nonce,
          body: signedBody,
        }),
      },
      body: JSON.stringify({ phone: '13900139000' }),
    })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SIGNATURE_INVALID')
  })

  it('should accept the second key during rotation', async () => {
    const r = await signedPost(
      CREATE,
      JSON.stringify({ phone: randomPhone() }),
      { 'x-vc-key-id': 'old-key' },
      'old-secret-0123456789',
    )
    expect(r.status).toBe(201)
  })

  it('should validate the body after the signature', async () => {
    const r = await signedPost(CREATE, JSON.stringify({ phone: '12345' }))
    expect(r.status).toBe(400)
    expect(r.json.error?.code).toBe('BAD_REQUEST')
  })
})

describe('IP allowlist', () => {
  it('should answer 403 IP_NOT_ALLOWED before looking at the signature', async () => {
    const guarded = await startStack({
      backend: 'mysql',
      env: { S2S_IP_ALLOWLIST: '10.0.0.0/8, 2001:db8::/32' },
    })
    try {
      const res = await fetch(guarded.url + CREATE, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      expect(res.status).toBe(403)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('IP_NOT_ALLOWED')
    } finally {
      await guarded.close()
    }
  })

  it('should believe X-Forwarded-For only from TRUST_PROXY', async () => {
    const proxied = await startStack({
      backend: 'mysql',
      env: { S2S_IP_ALLOWLIST: '203.0.113.0/24', TRUST_PROXY: '127.0.0.1, ::1' },
    })
    try {
      const ok = await proxied.client.createSession({ phone: randomPhone() }).then(
        () => 'created',
        (e: { code: string }) => e.code,
      )
      expect(ok).toBe('IP_NOT_ALLOWED') // no X-Forwarded-For: the proxy itself is the client
      const res = await fetch(proxied.url + CREATE, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
        body: '{}',
      })
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SIGNATURE_INVALID') // allowlist passed
    } finally {
      await proxied.close()
    }
  })
})

describe('tokens', () => {
  it('should answer 401 TOKEN_INVALID for missing, unknown, revoked and expired tokens', async () => {
    const u = await stack.newUser()
    const ok = await stack.send(u.token, { message: '' })
    expect(ok.status).toBe(400) // the token passed; the empty message did not
    for (const token of [undefined, 'not-a-token']) {
      const r = await stack.send(token, { message: 'hi' })
      expect(r.status).toBe(401)
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('TOKEN_INVALID')
    }
    expect(await stack.client.revokeSession({ token: u.token })).toEqual({ revoked: 1 })
    expect((await stack.send(u.token, { message: 'hi' })).status).toBe(401)

    // An expired session whose Redis entry has not been evicted yet must still be refused.
    const short = await stack.client.createSession({ phone: randomPhone(), ttlSeconds: 60 })
    const key = keys.session(hashToken(short.token))
    const stored = JSON.parse((await stack.kv.get(key))!)
    await stack.kv.set(key, JSON.stringify({ ...stored, expiresAt: Date.now() - 1 }), { ttlMs: 60_000 })
    expect((await stack.send(short.token, { message: 'hi' })).status).toBe(401)
  })

  it('should revoke every session of a phone at once', async () => {
    const phone = randomPhone()
    const a = await stack.client.createSession({ phone })
    const b = await stack.client.createSession({ phone })
    expect((await stack.client.revokeSession({ phone })).revoked).toBe(2)
    for (const t of [a.token, b.token]) expect((await stack.send(t, { message: 'x' })).status).toBe(401)
  })

  it('should keep no raw token or phone number in Redis', async () => {
    const phone = randomPhone()
    const { token } = await stack.client.createSession({ phone })
    const redis = new Redis(testRedisUrl())
    try {
      const stored = await redis.keys(`${stack.config.redisPrefix}:*`)
      expect(stored.length).toBeGreaterThan(0)
      for (const k of stored) {
        expect(k).not.toContain(token)
        const type = await redis.type(k)
        const values =
          type === 'set'
            ? await redis.smembers(k)
            : type === 'zset'
              ? await redis.zrange(k, 0, -1)
              : type === 'string'
                ? [await redis.get(k)]
                : []
        for (const v of values) {
          expect(v).not.toContain(token)
          expect(v).not.toContain(phone)
        }
      }
    } finally {
      redis.disconnect()
    }
  })
})
