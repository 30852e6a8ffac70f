// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import * as endpoints from './endpoints'
import { NETWORK_ERROR, parseRetryAfter, request, requestJson, toApiError, VcApiError } from './http'

const envelope = (status: number, error: object, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error }), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })

describe('request', () => {
  it('should add the bearer token and keep the builder headers', async () => {
    const fetch = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => new Response('{}'))
    await request(endpoints.cancel('https://c.example', 'm1'), { token: 'tok', fetch })
    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('https://c.example/api/chat/cancel')
    expect(init?.headers).toEqual({ 'Content-Type': 'application/json', Authorization: 'Bearer tok' })
  })

  it('should map the error envelope to VcApiError', async () => {
    const fetch = async () => envelope(401, { code: 'TOKEN_INVALID', message: 'expired', requestId: 'r1' })
    const err = await request(endpoints.conversations(''), { token: 't', fetch }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(VcApiError)
    expect(err).toMatchObject({ status: 401, code: 'TOKEN_INVALID', message: 'expired', requestId: 'r1' })
  })

  it('should map a failed fetch to status 0 NETWORK_ERROR', async () => {
    const fetch = async () => Promise.reject(new TypeError('Failed to fetch'))
    await expect(request(endpoints.conversations(''), { token: 't', fetch })).rejects.toMatchObject({
      status: 0,
      code: NETWORK_ERROR,
    })
  })

  it('should pass an abort through as it is', async () => {
    const ac = new AbortController()
    ac.abort()
    const fetch = async () => Promise.reject(new DOMException('aborted', 'AbortError'))
    await expect(
      request(endpoints.conversations(''), { token: 't', fetch, signal: ac.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('requestJson', () => {
  it('should parse the body of a 2xx response', async () => {
    const fetch = async () => new Response('{"items":[]}')
    expect(await requestJson(endpoints.conversations(''), { token: 't', fetch })).toEqual({ items: [] })
  })
})

describe('toApiError', () => {
  it('should read Retry-After and the busy messageId', async () => {
    const rate = await toApiError(
      envelope(429, { code: 'RATE_LIMITED', message: 'slow down' }, { 'Retry-After': '30' }),
    )
    expect(rate).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfter: 30 })
    const busy = await toApiError(
      envelope(409, { code: 'CONVERSATION_BUSY', message: 'busy', messageId: 'm9' }),
    )
    expect(busy.messageId).toBe('m9')
  })

  it('should fall back to HTTP_<status> for a body that is not the envelope', async () => {
    const err = await toApiError(
      new Response('<html>Bad gateway</html>', {
        status: 502,
        statusText: 'Bad Gateway',
        headers: { 'X-Request-Id': 'r2' },
      }),
    )
    expect(err).toMatchObject({ status: 502, code: 'HTTP_502', message: 'Bad Gateway', requestId: 'r2' })
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')
  it('should read delay-seconds', () => expect(parseRetryAfter('120', now)).toBe(120))
  it('should read an HTTP-date relative to now', () =>
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:45 GMT', now)).toBe(45))
  it('should give 0 for a date in the past', () =>
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0))
  it('should give undefined for nothing or garbage', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
  })
})
