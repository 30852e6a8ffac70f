import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { VcError, type ErrorKey } from '../core/errors'
import { installErrorHandler } from '../core/http/error-handler'
import type { Audit, AuditEvent } from './audit'
import { installDenialAudit } from './denials'

async function appThrowing(key: ErrorKey, extra?: Record<string, unknown>) {
  const events: AuditEvent[] = []
  const audit = { record: async (e: AuditEvent) => (events.push(e), true) } as unknown as Audit
  let t = 0
  const app = Fastify()
  installErrorHandler(app)
  app.decorateRequest('user', null)
  installDenialAudit(app, audit, () => t)
  const fail = async () => {
    throw new VcError(key, undefined, extra)
  }
  app.post('/api/internal/session/create', fail)
  app.post('/api/chat/send', fail)
  return { app, events, advance: (ms: number) => (t += ms) }
}

describe('installDenialAudit', () => {
  it.each([
    'SIGNATURE_INVALID',
    'TIMESTAMP_OUT_OF_WINDOW',
    'NONCE_REPLAYED',
    'UNKNOWN_KEY',
    'IP_NOT_ALLOWED',
  ] as const)('should audit S2S %s as s2s.denied with the claimed key id', async (key) => {
    const { app, events } = await appThrowing(`VC_ERR_${key}`)
    const res = await app.inject({
      method: 'POST',
      url: '/api/internal/session/create',
      headers: { 'x-vc-key-id': 'site-a', 'user-agent': 'java/17' },
    })
    expect(events).toEqual([
      expect.objectContaining({
        action: 's2s.denied',
        outcome: 'denied',
        reason: key,
        keyId: 'site-a',
        userAgent: 'java/17',
        requestId: res.headers['x-request-id'] ?? expect.any(String),
      }),
    ])
  })

  it('should not trust a malformed claimed key id', async () => {
    const { app, events } = await appThrowing('VC_ERR_UNKNOWN_KEY')
    await app.inject({
      method: 'POST',
      url: '/api/internal/session/create',
      headers: { 'x-vc-key-id': 'a b' },
    })
    expect(events[0]?.keyId).toBe('(malformed)')
  })

  it('should audit token rejections on widget endpoints and skip other widget errors', async () => {
    const rejected = await appThrowing('VC_ERR_TOKEN_INVALID')
    await rejected.app.inject({ method: 'POST', url: '/api/chat/send' })
    expect(rejected.events.map((e) => [e.action, e.reason])).toEqual([['token.rejected', 'TOKEN_INVALID']])
    const busy = await appThrowing('VC_ERR_CONVERSATION_BUSY')
    await busy.app.inject({ method: 'POST', url: '/api/chat/send' })
    expect(busy.events).toEqual([])
  })

  it('should audit a rate-limit refusal once a minute per limit, user and address', async () => {
    const { app, events, advance } = await appThrowing('VC_ERR_RATE_LIMITED', { limit: 'user-minute' })
    for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/api/chat/send' })
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ action: 'rate.limited', detail: { limit: 'user-minute' } })
    advance(60_000)
    await app.inject({ method: 'POST', url: '/api/chat/send' })
    expect(events).toHaveLength(2)
  })

  it('should audit the same S2S denial of one address once a minute, whatever key id it claims', async () => {
    const { app, events, advance } = await appThrowing('VC_ERR_SIGNATURE_INVALID')
    for (let i = 0; i < 300; i++)
      await app.inject({
        method: 'POST',
        url: i % 2 ? '/api/internal/session/create' : '/%61pi/internal/session/create',
        headers: { 'x-vc-key-id': `key-${i}`, 'user-agent': 'u'.repeat(600) },
      })
    expect(events).toHaveLength(1)
    advance(60_000)
    await app.inject({ method: 'POST', url: '/api/internal/session/create' })
    expect(events).toHaveLength(2)
    expect(events[1]!.detail).toMatchObject({ repeats: 299 })
  })
})
