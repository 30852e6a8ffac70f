/**
 * Issue 19 item 4: sessions survive an empty Redis. The `chat_session` row is the record, Redis the
 * cache: after every key of the deployment is gone (a Redis restarted empty), a token still chats and its
 * cache entry is refilled; revoked and expired sessions stay refused. In `COZE_USER_ID_MODE=phone` the
 * row cannot rebuild a session (it never holds the phone number): those users sign in again.
 * Real MariaDB and Redis.
 */
import { Redis } from 'ioredis'
import { createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomPhone, startStack, type Stack } from '../../test/harness'
import { testRedisUrl } from '../../../../test/services'
import { keys } from '../core/kv/keys'
import { createSessions } from './sessions'
import { hashToken } from '../core/token'

let stack: Stack
let phoneMode: Stack
let redis: Redis
beforeAll(async () => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 })
  ;[stack, phoneMode] = await Promise.all([
    startStack({ backend: 'mysql' }),
    startStack({ backend: 'mysql', env: { COZE_USER_ID_MODE: 'phone' } }),
  ])
})
afterAll(async () => {
  await stack?.close()
  await phoneMode?.close()
  redis?.disconnect()
})

/** An empty Redis restart, for one deployment: every key under its prefix goes (SCAN + DEL). */
async function flushRedis(s: Stack) {
  let cursor = '0'
  do {
    const [next, page] = await redis.scan(cursor, 'MATCH', `${s.config.redisPrefix}:*`, 'COUNT', 500)
    if (page.length) await redis.del(...page)
    cursor = next
  } while (cursor !== '0')
  expect(await redis.keys(`${s.config.redisPrefix}:*`)).toEqual([])
}

const sessionKey = (token: string) => keys.session(hashToken(token))

/** A send's status and error code (401 TOKEN_INVALID for a refused token). */
async function tryToken(s: Stack, token: string) {
  const res = await s.send(token, { message: 'hi' })
  const body = res.status === 200 ? (await res.body?.cancel(), undefined) : await res.json()
  return { status: res.status, code: (body as { error?: { code: string } } | undefined)?.error?.code }
}
const REFUSED = { status: 401, code: 'TOKEN_INVALID' }

/** The raw `chat_session` row of a token, straight from MariaDB. */
async function rowOf(s: Stack, token: string) {
  const conn = await createConnection(s.config.databaseUrl!)
  try {
    const [rows] = await conn.query('SELECT * FROM chat_session WHERE token_hash = ?', [hashToken(token)])
    return (rows as Record<string, unknown>[])[0]
  } finally {
    await conn.end()
  }
}

async function setExpiry(s: Stack, token: string, expiresAt: number) {
  const conn = await createConnection(s.config.databaseUrl!)
  try {
    await conn.query('UPDATE chat_session SET expires_at = ? WHERE token_hash = ?', [
      expiresAt,
      hashToken(token),
    ])
  } finally {
    await conn.end()
  }
}

describe('sessions after an empty Redis (pseudonym mode)', () => {
  it('should keep a session: the token still chats, as the same Coze user, and the cache is refilled', async () => {
    const phone = randomPhone()
    const variables = { name: '张三', plan: '专业版' }
    const session = await stack.client.createSession({ phone, variables, ttlSeconds: 600 })
    const before = await stack.services.sessions.resolve(session.token)
    expect(before).toBeDefined()
    // The row holds the token's hash, never the token or the phone.
    const row = (await rowOf(stack, session.token))!
    expect(row).toMatchObject({ coze_user_id: before!.userId, token_hash: hashToken(session.token) })
    expect(JSON.stringify(row)).not.toContain(session.token)
    expect(JSON.stringify(row)).not.toContain(phone)

    const bodies: Record<string, unknown>[] = []
    const onChat = (r: { body?: unknown }) => bodies.push(r.body as Record<string, unknown>)
    stack.sim.on('chat', onChat)
    try {
      await flushRedis(stack)
      const r = await stack.chat(session.token, { message: '你好' })
      expect(r.status).toBe(200)
      expect(r.events.at(-1)?.event).toBe('done')
      expect(bodies.map((b) => [b.user_id, b.custom_variables])).toEqual([[before!.userId, variables]])
    } finally {
      stack.sim.off('chat', onChat)
    }

    // Refilled: the same session, for the time it had left (not a fresh TTL).
    expect(JSON.parse((await stack.kv.get(sessionKey(session.token)))!)).toEqual(before)
    const ttl = await stack.kv.pttl(sessionKey(session.token))
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(before!.expiresAt - Date.now() + 50)
    // …and the user's index too: revoke-by-phone ends the refilled cache entry.
    expect((await stack.client.revokeSession({ phone })).revoked).toBe(1)
    expect(await stack.kv.get(sessionKey(session.token))).toBeNull()
    expect(await tryToken(stack, session.token)).toEqual(REFUSED)
  })

  it('should keep a session revoked by token refused after the flush', async () => {
    const { token } = await stack.client.createSession({ phone: randomPhone() })
    expect(await stack.client.revokeSession({ token })).toEqual({ revoked: 1 })
    await flushRedis(stack)
    expect(await tryToken(stack, token)).toEqual(REFUSED)
    expect(await stack.kv.get(sessionKey(token))).toBeNull() // nothing refilled
  })

  it('should keep every session revoked by phone refused after the flush', async () => {
    const phone = randomPhone()
    const a = await stack.client.createSession({ phone })
    const b = await stack.client.createSession({ phone })
    expect((await stack.client.revokeSession({ phone })).revoked).toBe(2)
    await flushRedis(stack)
    for (const t of [a.token, b.token]) expect(await tryToken(stack, t)).toEqual(REFUSED)
  })

  it('should revoke by token a session whose cache entry is gone (the row is the record)', async () => {
    const phone = randomPhone()
    const { token } = await stack.client.createSession({ phone })
    await flushRedis(stack)
    expect(await stack.client.revokeSession({ token })).toEqual({ revoked: 1 })
    expect((await rowOf(stack, token))!.revoked_at).not.toBeNull()
    expect(await tryToken(stack, token)).toEqual(REFUSED)
    expect(await stack.client.revokeSession({ token })).toEqual({ revoked: 0 })
    // By phone after a flush: the rows are revoked although Redis knew none of them.
    const other = await stack.client.createSession({ phone })
    await flushRedis(stack)
    expect((await stack.client.revokeSession({ phone })).revoked).toBe(1)
    expect(await tryToken(stack, other.token)).toEqual(REFUSED)
  })

  it('should keep an expired session refused after the flush', async () => {
    const { token } = await stack.client.createSession({ phone: randomPhone() })
    await setExpiry(stack, token, Date.now() - 1)
    await flushRedis(stack)
    expect(await tryToken(stack, token)).toEqual(REFUSED)
    expect(await stack.kv.get(sessionKey(token))).toBeNull()
  })

  it('should refuse an unknown token without touching the cache', async () => {
    expect(await tryToken(stack, 'x'.repeat(43))).toEqual(REFUSED)
    expect(await stack.kv.get(sessionKey('x'.repeat(43)))).toBeNull()
  })

  it('should still answer from the row when the refill fails (best effort)', async () => {
    const { token } = await stack.client.createSession({ phone: randomPhone() })
    const before = await stack.services.sessions.resolve(token)
    await flushRedis(stack)
    const broken = async () => {
      throw new Error('redis down')
    }
    const sessions = createSessions({
      kv: { ...stack.kv, set: broken, zaddExpiring: broken },
      store: stack.store,
      userIdSecret: 'test-user-id-secret',
      cozeUserIdMode: 'pseudonym',
      defaultTtlSeconds: 600,
      revocations: stack.services.revocations,
    })
    expect(await sessions.resolve(token)).toEqual(before)
    expect(await stack.kv.get(sessionKey(token))).toBeNull()
  })
})

describe('sessions after an empty Redis (COZE_USER_ID_MODE=phone)', () => {
  it('should refuse the token after the flush: the row never holds the phone, so users sign in again', async () => {
    const phone = randomPhone()
    const { token } = await phoneMode.client.createSession({ phone })
    const r = await phoneMode.chat(token, { message: '你好' })
    expect(r.events.at(-1)?.event).toBe('done')
    const row = (await rowOf(phoneMode, token))!
    expect(row.coze_user_id).toBeNull()
    expect(JSON.stringify(row)).not.toContain(phone)

    await flushRedis(phoneMode)
    expect(await tryToken(phoneMode, token)).toEqual(REFUSED)
    // A fresh session works at once.
    const again = await phoneMode.client.createSession({ phone })
    expect((await phoneMode.chat(again.token, { message: '你好' })).events.at(-1)?.event).toBe('done')
  })
})
