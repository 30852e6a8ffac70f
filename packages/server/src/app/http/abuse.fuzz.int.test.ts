/**
 * Issue 6, must-show 4 over HTTP: hostile S2S signing headers, send bodies and resume ids never cause a
 * 500; every refusal is the error envelope. Signing headers go through fastify's inject (no socket), so
 * values Node's HTTP parser would stop at the door reach our code too; streams need a real socket
 * (inject never finishes a hijacked response), so send and resume use fetch.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startStack, type Stack } from '../../../test/harness'
import { rawRequest, type RawResponse } from '../../../test/raw-http'
import { readStream } from '../../../test/sse-client'

// Hundreds of real HTTP round trips: generous on a loaded 2-core CI machine.
vi.setConfig({ testTimeout: 120_000 })

let stack: Stack
let token: string
let messageId: string
/** Events of that finished message; resuming at or past its last seq is left out (see the report). */
let eventCount: number
beforeAll(async () => {
  stack = await startStack({ backend: 'embedded' })
  const user = await stack.newUser()
  token = user.token
  const r = await stack.chat(token, { message: '你好' })
  messageId = (r.events[0]!.data as { messageId: string }).messageId
  eventCount = r.events.length
})
afterAll(() => stack?.close())

type Injected = Awaited<ReturnType<Stack['app']['inject']>>

/** Never a 5xx; a 2xx is JSON or a stream; anything else is exactly the envelope. */
function expectNoServerError(res: Injected) {
  expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500)
  if (res.statusCode < 300) return
  const body = res.json() as { error: Record<string, unknown> }
  expect(body.error).toMatchObject({ code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) })
  expect(body.error.requestId).toBe(res.headers['x-request-id'])
}

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })
const anyHeader = fc.oneof(printable, fc.string({ unit: 'binary', maxLength: 80 }))

describe('POST /api/internal/session/create (fuzz)', () => {
  it('should answer hostile signing headers and bodies with 4xx envelopes only', async () => {
    const headers = fc.record(
      {
        'content-type': fc.constantFrom(
          'application/json',
          'text/plain',
          'application/json; charset=utf-8',
          '',
        ),
        'x-vc-key-id': fc.oneof(fc.constant('site-a'), anyHeader),
        'x-vc-timestamp': fc.oneof(fc.constant(String(Math.floor(Date.now() / 1000))), anyHeader),
        'x-vc-nonce': fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/), anyHeader),
        'x-vc-signature': fc.oneof(fc.stringMatching(/^v1=[0-9a-f]{64}$/), anyHeader),
      },
      { requiredKeys: [] },
    )
    const payload = fc.oneof(fc.json(), fc.string({ unit: 'binary', maxLength: 200 }))
    await fc.assert(
      fc.asyncProperty(headers, payload, async (h, body) => {
        const res = await stack.app.inject({
          method: 'POST',
          url: '/api/internal/session/create',
          headers: Object.fromEntries(Object.entries(h).filter(([, v]) => v !== '')),
          payload: body,
        })
        expectNoServerError(res)
        expect(res.statusCode).not.toBe(201)
      }),
      { numRuns: 100 },
    )
  })
})

describe('POST /api/chat/send (fuzz)', () => {
  it('should answer any body with a stream or a 4xx envelope', async () => {
    const id = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      fc.string({ maxLength: 80 }),
      fc.integer(),
    )
    const shaped = fc.record(
      {
        message: fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 60 }),
          fc.string({ minLength: 3990, maxLength: 4010 }),
          fc.jsonValue(),
        ),
        conversationId: id,
        clientMessageId: id,
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    const payload = fc.oneof(
      shaped.map((b) => JSON.stringify(b)),
      fc.json(),
      fc.string({ unit: 'binary', maxLength: 200 }),
    )
    await fc.assert(
      fc.asyncProperty(payload, async (body) => {
        const res = await fetch(`${stack.url}/api/chat/send`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
        })
        const r = await readStream(res)
        expect(r.status, JSON.stringify(r.body)).toBeLessThan(500)
        if (r.status === 200) expect(['done', 'error']).toContain(r.events.at(-1)?.event)
        else
          expect(r.body).toMatchObject({
            error: { code: expect.any(String), requestId: res.headers.get('x-request-id') },
          })
      }),
      { numRuns: 100 },
    )
  })
})

describe('GET /api/chat/stream/:messageId (fuzz)', () => {
  it('should answer any message id and Last-Event-ID with a stream or a 4xx envelope', async () => {
    const rawId = fc.oneof(
      fc.constant(messageId),
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    )
    const lastEventId = fc.oneof(
      fc.constant(undefined),
      fc.nat({ max: eventCount + 5 }).map((n) => `${messageId}:${n}`),
      fc.tuple(printable, printable).map(([a, b]) => `${a}:${b}`),
      printable,
    )
    await fc.assert(
      fc.asyncProperty(rawId, lastEventId, fc.boolean(), async (id, last, inQuery) => {
        const query = last !== undefined && inQuery ? `?lastEventId=${encodeURIComponent(last)}` : ''
        const res = await fetch(`${stack.url}/api/chat/stream/${encodeURIComponent(id)}${query}`, {
          headers: {
            authorization: `Bearer ${token}`,
            ...(last !== undefined && !inQuery && { 'last-event-id': last.trim() }),
          },
        })
        const r = await readStream(res)
        expect(r.status, JSON.stringify(r.body)).toBeLessThan(500)
        // A resume at or past the end gets an empty stream that closes at once.
        if (r.status === 200) expect(r.events.length === 0 || r.events.at(-1)?.event === 'done').toBe(true)
        else
          expect(r.body).toMatchObject({
            error: { code: expect.any(String), requestId: res.headers.get('x-request-id') },
          })
      }),
      { numRuns: 120 },
    )
  })
})

describe('raw request targets (fuzz, issue 20)', () => {
  /** Real routes, called as a client would; their plain answer is what every encoded form must get. */
  const routes = [
    { method: 'GET', path: '/api/chat/conversations' },
    { method: 'POST', path: '/api/chat/send' },
    { method: 'POST', path: '/api/internal/session/create' },
    { method: 'POST', path: '/api/voice/ticket' },
    { method: 'GET', path: '/healthz' },
    { method: 'GET', path: '/metrics' },
  ] as const
  const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(2, '0')
  /** Percent-encodes the characters at `picks` (modulo the length), never a '/'. */
  const encode = (path: string, picks: number[], upper: boolean) => {
    const chars = [...path]
    for (const p of picks) {
      const i = p % chars.length
      const c = chars[i]!
      if (c !== '/' && c.length === 1) chars[i] = `%${upper ? hex(c).toUpperCase() : hex(c)}`
    }
    return chars.join('')
  }
  const variant = fc.record({
    route: fc.constantFrom(...routes),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
    upper: fc.boolean(),
    shape: fc.constantFrom('encoded', 'absolute', 'double-slash', 'dot-segment', 'trailing-slash'),
  })
  const targetOf = (v: {
    route: (typeof routes)[number]
    picks: number[]
    upper: boolean
    shape: string
  }) => {
    const encoded = encode(v.route.path, v.picks, v.upper)
    switch (v.shape) {
      case 'absolute':
        return `http://h${encoded}`
      case 'double-slash':
        return encoded.replace(/\/(?=[^/]*$)/, '//')
      case 'dot-segment':
        return `/x/..${encoded}`
      case 'trailing-slash':
        return `${encoded}/`
      default:
        return encoded
    }
  }
  const call = (method: string, target: string) =>
    rawRequest(
      stack.url,
      `${method} ${target} HTTP/1.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json`,
      method === 'POST' ? '{}' : '',
    )
  /** What the hooks decide, without the per-request parts. */
  const decided = (r: RawResponse) => ({
    status: r.status,
    cache: r.headers['cache-control'],
    frame: r.headers['x-frame-options'],
    csp: r.headers['content-security-policy'],
    limited: 'ratelimit-limit' in r.headers,
    code: r.status >= 400 ? (JSON.parse(r.body) as { error: { code: string } }).error.code : undefined,
  })

  it('should limit, head and route an encoded path like the plain one, and refuse the other forms', async () => {
    const plain = new Map<string, ReturnType<typeof decided>>()
    for (const r of routes) plain.set(r.path, decided(await call(r.method, r.path)))
    await fc.assert(
      fc.asyncProperty(variant, async (v) => {
        const target = targetOf(v)
        const res = await call(v.route.method, target)
        expect(res.status, target).toBeLessThan(500)
        expect(res.headers['x-content-type-options'], target).toBe('nosniff')
        if (res.status >= 400) {
          const body = JSON.parse(res.body) as { error: { code: string; requestId: string } }
          expect(body.error.requestId, target).toBe(res.headers['x-request-id'])
        }
        if (v.shape === 'absolute') expect(res.status, target).toBe(400)
        else if (v.shape === 'encoded') expect(decided(res), target).toEqual(plain.get(v.route.path))
        // Not a route: nothing ran (a 404, or 405 for a path the router still matches another method of).
        else expect([404, 405], target).toContain(res.status)
      }),
      { numRuns: 150 },
    )
  })
})
