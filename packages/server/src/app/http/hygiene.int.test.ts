/**
 * HTTP hygiene (issue 6): security headers everywhere, CORS only on widget endpoints, 404/405 in the
 * envelope, body limits, and JSON only on the internal endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../../test/harness'
import { signedPost } from '../../../test/signed'
import { readStream } from '../../../test/sse-client'

const SITE = 'https://www.site-a.example'
let stack: Stack
beforeAll(async () => {
  stack = await startStack({ backend: 'embedded', env: { CORS_ORIGINS: SITE } })
})
afterAll(() => stack?.close())

const envelope = {
  error: { code: expect.any(String), message: expect.any(String), requestId: expect.any(String) },
}
const post = (path: string, body: string | Buffer, headers: Record<string, string>) =>
  fetch(stack.url + path, { method: 'POST', body, headers })

describe('security headers', () => {
  it('should be on JSON answers, errors and event streams alike', async () => {
    const user = await stack.newUser()
    const responses = [
      await fetch(`${stack.url}/healthz`),
      await fetch(`${stack.url}/api/chat/conversations`, {
        headers: { authorization: `Bearer ${user.token}` },
      }),
      await fetch(`${stack.url}/api/chat/conversations`),
    ]
    const stream = await readStream(await stack.send(user.token, { message: '你好' }))
    for (const headers of [...responses.map((r) => r.headers), stream.headers]) {
      expect(headers.get('x-content-type-options')).toBe('nosniff')
      expect(headers.get('referrer-policy')).toBe('no-referrer')
      expect(headers.get('x-frame-options')).toBe('DENY')
      expect(headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'")
    }
    expect(responses[1]!.headers.get('cache-control')).toBe('no-store')
    expect(stream.headers.get('cache-control')).toMatch(/no-store|no-cache/)
  })
})

describe('CORS', () => {
  it('should answer the widget origin on widget endpoints only', async () => {
    const preflight = await fetch(`${stack.url}/api/chat/send`, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SITE)
    expect(preflight.headers.get('access-control-expose-headers')).toContain('ratelimit-remaining')

    const stranger = await fetch(`${stack.url}/api/chat/history`, {
      headers: { origin: 'https://evil.example' },
    })
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull()

    const internal = await post('/api/internal/session/create', '{}', {
      origin: SITE,
      'content-type': 'application/json',
    })
    expect(internal.headers.get('access-control-allow-origin')).toBeNull()
    const internalPreflight = await fetch(`${stack.url}/api/internal/session/create`, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'POST' },
    })
    expect(internalPreflight.headers.get('access-control-allow-origin')).toBeNull()
    expect(internalPreflight.status).toBe(405)
  })
})

describe('404 and 405', () => {
  it('should answer an unknown route with the NOT_FOUND envelope', async () => {
    const res = await fetch(`${stack.url}/api/nope?x=1`)
    expect(res.status).toBe(404)
    const body = (await res.json()) as typeof envelope
    expect(body).toMatchObject({ error: { code: 'NOT_FOUND' } })
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'))
  })

  it('should answer a known route with the wrong method with 405, Allow and the envelope', async () => {
    const res = await fetch(`${stack.url}/api/chat/send`)
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST')
    expect(await res.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } })
  })
})

describe('bodies', () => {
  it('should take only JSON on the internal endpoints, even when empty', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp']) {
      const res = await post('/api/internal/session/create', '{"phone":"13800138000"}', {
        'content-type': type,
      })
      expect(res.status, type).toBe(415)
      expect(await res.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } })
    }
    const bare = await fetch(`${stack.url}/api/internal/session/revoke`, { method: 'POST' })
    expect(bare.status).toBe(415)
    const charset = await signedPost(stack.url, '/api/internal/session/create', '{"phone":"13800138000"}', {
      'content-type': 'application/json; charset=utf-8',
    })
    expect(charset.status).toBe(201)
  })

  it('should refuse an internal body over 32 KB and a widget body over 64 KB with 413', async () => {
    const big = JSON.stringify({ phone: '13800138000', displayName: 'x'.repeat(33_000) })
    const s2s = await signedPost(stack.url, '/api/internal/session/create', big)
    expect(s2s.status).toBe(413)
    expect(s2s.json).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
    const user = await stack.newUser()
    const widget = await stack.send(user.token, { message: 'x'.repeat(70_000) })
    expect(widget.status).toBe(413)
    expect(await widget.json()).toMatchObject(envelope)
  })

  it('should refuse non-JSON on the widget endpoints with 415', async () => {
    const user = await stack.newUser()
    const res = await post('/api/chat/send', 'message=hi', {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Bearer ${user.token}`,
    })
    expect(res.status).toBe(415)
  })
})
