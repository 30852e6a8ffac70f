/**
 * Issue 20, finding 2: percent-encoded and absolute-form request targets. Every hook decides on the route
 * fastify matched, so an encoded path is limited, audited and headed like the plain one, and a target
 * that is not a path is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomPhone, startStack, type Stack } from '../../../test/harness'
import { rawRequest } from '../../../test/raw-http'
import { signedPost } from '../../../test/signed'

const SITE = 'https://www.site-a.example'
let stack: Stack
let token: string
beforeAll(async () => {
  stack = await startStack({
    backend: 'embedded',
    env: { RATE_LIMIT_IP_REQUESTS_PER_MINUTE: '5', TRUST_PROXY: '127.0.0.1, ::1', CORS_ORIGINS: SITE },
  })
  token = (await stack.newUser()).token
})
afterAll(() => stack?.close())

/** Twelve GETs of `path` from one (forwarded) client address; their statuses. */
async function twelve(path: string, from: string) {
  const statuses: number[] = []
  for (let i = 0; i < 12; i++) {
    const res = await fetch(stack.url + path, {
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': from },
    })
    statuses.push(res.status)
  }
  return statuses
}

const count = (xs: number[], x: number) => xs.filter((s) => s === x).length

describe('percent-encoded paths', () => {
  it('should be rate limited like plain ones (12 requests, limit 5: 7 × 429)', async () => {
    const plain = await twelve('/api/chat/conversations', '192.0.2.1')
    const encoded = await twelve('/%61pi/chat/conversations', '192.0.2.2')
    const mixed = await twelve('/api/%63hat/%63onversations', '192.0.2.3')
    expect([count(plain, 429), count(encoded, 429), count(mixed, 429)]).toEqual([7, 7, 7])
    expect([count(plain, 200), count(encoded, 200), count(mixed, 200)]).toEqual([5, 5, 5])
  })

  it('should audit a forged S2S call through /%61pi/internal/…', async () => {
    const forged = await signedPost(stack.url, '/%61pi/internal/session/create', '{}', {
      'x-vc-signature': `v1=${'0'.repeat(64)}`,
    })
    expect(forged.status).toBe(401)
    await stack.services.audit.flush()
    const rows = await stack.store.listAudit(0, 10_000)
    expect(rows.find((r) => r.requestId === forged.json.error!.requestId)).toMatchObject({
      action: 's2s.denied',
      reason: 'SIGNATURE_INVALID',
    })
  })

  it('should send Cache-Control: no-store on a signed create through an encoded path', async () => {
    const created = await signedPost(
      stack.url,
      '/%61pi/internal/session/create',
      JSON.stringify({ phone: randomPhone() }),
    )
    expect(created.status).toBe(201)
    expect(created.headers.get('cache-control')).toBe('no-store')
    expect(created.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('should get the same CORS and security headers as the plain path', async () => {
    const headersOf = async (path: string, method = 'GET') => {
      const res = await fetch(stack.url + path, {
        method,
        headers: {
          origin: SITE,
          authorization: `Bearer ${token}`,
          'access-control-request-method': 'POST',
          'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250)}`,
        },
      })
      const h = res.headers
      return {
        status: res.status,
        acao: h.get('access-control-allow-origin'),
        cache: h.get('cache-control'),
        frame: h.get('x-frame-options'),
        csp: h.get('content-security-policy'),
      }
    }
    for (const [plain, encoded] of [
      ['/api/chat/conversations', '/%61pi/%63hat/conversations'],
      ['/api/voice/ticket', '/api/%76oice/ticket'],
    ] as const) {
      expect(await headersOf(encoded, 'OPTIONS'), encoded).toEqual(await headersOf(plain, 'OPTIONS'))
      expect(await headersOf(encoded), encoded).toEqual(await headersOf(plain))
    }
    expect((await headersOf('/%61pi/chat/conversations')).acao).toBe(SITE)
  })

  it('should answer a wrong method on an encoded internal path 405 with Allow', async () => {
    const res = await fetch(`${stack.url}/%61pi/internal/session/create`)
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toContain('POST')
  })
})

describe('absolute-form request targets', () => {
  it('should be refused with 400 in the envelope before any route runs', async () => {
    for (const target of [
      'http://h/api/chat/conversations',
      'http://h/api/internal/session/create',
      'https://h/metrics',
    ]) {
      const res = await rawRequest(stack.url, `GET ${target} HTTP/1.1\r\nAuthorization: Bearer ${token}`)
      expect(res.status, target).toBe(400)
      const body = JSON.parse(res.body) as { error: { code: string; requestId: string } }
      expect(body.error).toMatchObject({ code: 'BAD_REQUEST', requestId: res.headers['x-request-id'] })
    }
  })
})
