/**
 * Issue 6, must-show 2 on real MySQL + Redis: an audit row for each S2S denial kind, token and rate-limit
 * rejections and each allowed action; the chain verifies, then fails once a row is edited in MySQL.
 */
import { createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomPhone, startStack, type Stack } from '../../test/harness'
import { signedPost } from '../../test/signed'
import { readStream } from '../../test/sse-client'
import type { AuditRow } from '../store/types'
import { chainKeyFrom } from './chain'
import { verifyAuditChain } from './verify'

const CREATE = '/api/internal/session/create'
let stack: Stack
beforeAll(async () => {
  stack = await startStack({
    backend: 'mysql',
    env: {
      RATE_LIMIT_USER_MESSAGES_PER_MINUTE: '2',
      TRUST_PROXY: '127.0.0.1, ::1',
      S2S_IP_ALLOWLIST: '127.0.0.1, ::1, 203.0.113.0/24',
    },
  })
})
afterAll(() => stack?.close())

const rows = async (): Promise<AuditRow[]> => {
  await stack.services.audit.flush()
  return stack.store.listAudit(0, 10_000)
}
const body = () => JSON.stringify({ phone: randomPhone() })

describe('audit_event', () => {
  it('should record every S2S denial kind with its reason, address and claimed key', async () => {
    const ts = Math.floor(Date.now() / 1000)
    const calls = await Promise.all([
      signedPost(stack.url, CREATE, body(), {
        'x-vc-signature': `v1=${'0'.repeat(64)}`,
        'user-agent': 'site-a/1',
      }),
      signedPost(stack.url, CREATE, body(), { 'x-vc-timestamp': String(ts - 3600) }),
      signedPost(stack.url, CREATE, body(), { 'x-vc-key-id': 'retired-key' }),
      signedPost(stack.url, CREATE, body(), { 'x-forwarded-for': '192.0.2.66' }),
    ])
    const replayed = { 'x-vc-nonce': `replay_${ts}_0123456789` }
    const b = body()
    expect((await signedPost(stack.url, CREATE, b, replayed)).status).toBe(201)
    calls.push(await signedPost(stack.url, CREATE, b, replayed))
    const codes = [
      'SIGNATURE_INVALID',
      'TIMESTAMP_OUT_OF_WINDOW',
      'UNKNOWN_KEY',
      'IP_NOT_ALLOWED',
      'NONCE_REPLAYED',
    ]
    // The caller of an unknown key id is told SIGNATURE_INVALID; only the row says UNKNOWN_KEY (issue 20).
    const told = codes.map((c) => (c === 'UNKNOWN_KEY' ? 'SIGNATURE_INVALID' : c))
    expect(calls.map((c) => c.json.error?.code)).toEqual(told)

    const denied = (await rows()).filter((r) => r.action === 's2s.denied')
    for (const [i, code] of codes.entries()) {
      const row = denied.find((r) => r.requestId === calls[i]!.json.error!.requestId)
      expect(row, code).toMatchObject({ outcome: 'denied', reason: code, action: 's2s.denied' })
    }
    const byReason = (reason: string) => denied.find((r) => r.reason === reason)!
    expect(byReason('SIGNATURE_INVALID')).toMatchObject({
      keyId: 'site-a',
      userAgent: 'site-a/1',
      clientIp: '127.0.0.1',
    })
    expect(byReason('UNKNOWN_KEY').keyId).toBe('retired-key')
    expect(byReason('IP_NOT_ALLOWED').clientIp).toBe('192.0.2.66')
  })

  it('should record session create and revoke with the masked phone and pseudonym, never the phone', async () => {
    const phone = randomPhone()
    const created = await signedPost(stack.url, CREATE, JSON.stringify({ phone }), {}, undefined)
    const revoked = await signedPost(stack.url, '/api/internal/session/revoke', JSON.stringify({ phone }))
    expect([created.status, revoked.status]).toEqual([201, 200])
    const all = await rows()
    const userId = stack.services.sessions.identify(phone).userId
    const mine = all.filter((r) => r.userId === userId)
    expect(mine.map((r) => [r.action, r.outcome, r.keyId])).toEqual([
      ['session.create', 'allowed', 'site-a'],
      ['session.revoke', 'allowed', 'site-a'],
    ])
    expect(mine[0]!.phoneMasked).toBe(`${phone.slice(0, 3)}****${phone.slice(7)}`)
    expect(JSON.stringify(all)).not.toContain(phone)
  })

  it('should record token and rate-limit rejections, and chat start, end and cancel', async () => {
    const bad = await stack.send('not-a-token', { message: 'hi' })
    expect(bad.status).toBe(401)
    const user = await stack.newUser()
    const done = await stack.chat(user.token, { message: '你好' })
    expect(done.events.at(-1)?.event).toBe('done')
    const ac = new AbortController()
    const held = await stack.send(user.token, { message: '慢 [[sim:stall-after=1]]' }, { signal: ac.signal })
    const { messageId } = (await readStream(held, { stopAfter: 1 })).events[0]!.data as { messageId: string }
    const cancel = await fetch(`${stack.url}/api/chat/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ messageId }),
    })
    expect(cancel.status).toBe(200)
    expect((await stack.send(user.token, { message: '第三个' })).status).toBe(429)

    await expect
      .poll(
        async () =>
          (await rows())
            .filter((r) => r.userId === user.userId)
            .map((r) => r.action)
            .sort(),
        {
          timeout: 10_000,
        },
      )
      .toEqual([
        'chat.cancel',
        'chat.end',
        'chat.end',
        'chat.start',
        'chat.start',
        'rate.limited',
        'session.create',
      ])
    const all = await rows()
    expect(all.find((r) => r.action === 'token.rejected')).toMatchObject({
      outcome: 'denied',
      reason: 'TOKEN_INVALID',
    })
    const limited = all.find((r) => r.action === 'rate.limited' && r.userId === user.userId)!
    expect(JSON.parse(limited.detail!)).toMatchObject({ limit: 'user-minute', route: '/api/chat/send' })
    const ends = all.filter((r) => r.action === 'chat.end' && r.userId === user.userId).map((r) => r.reason)
    expect(ends.sort()).toEqual(['cancelled', 'completed'])
  })

  it('should verify, and fail after a row is edited directly in MySQL', async () => {
    const key = chainKeyFrom(stack.config.audit.key)
    const before = await verifyAuditChain(stack.store, key)
    expect(before).toMatchObject({ ok: true })
    expect(before.ok && before.rows).toBeGreaterThan(10)

    const conn = await createConnection(stack.db!.url)
    try {
      await conn.query(
        `UPDATE audit_event SET outcome = 'allowed' WHERE action = 's2s.denied' ORDER BY seq LIMIT 1`,
      )
      const [[edited]] = (await conn.query(
        `SELECT seq FROM audit_event WHERE action = 's2s.denied' ORDER BY seq LIMIT 1`,
      )) as unknown as [{ seq: number }[]]
      const after = await verifyAuditChain(stack.store, key)
      expect(after).toMatchObject({
        ok: false,
        seq: Number(edited!.seq),
        problem: expect.stringMatching(/changed/),
      })
    } finally {
      await conn.end()
    }
  })
})
