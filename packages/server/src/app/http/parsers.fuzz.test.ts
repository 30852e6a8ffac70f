/**
 * Issue 6, must-show 4 (unit half): the signature header parser only ever answers a key id or a 401
 * VcError; the resume id parser (`chat/event-id.ts`) never throws and reads back what it is given.
 */
import fc from 'fast-check'
import Fastify, { type FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { parseLastEventId } from '../../chat/event-id'
import { isVcError } from '../../core/errors'
import { installErrorHandler } from '../../core/http/error-handler'
import { installRequestTarget, routePath } from '../../core/http/request-target'
import { checkSignature } from '../../core/http/s2s-signature'

const keys = new Map([['site-a', 'site-a-secret-0123456789abcdef']])
const NOW = 1_767_225_600_000

/** Missing, garbage, or almost right: what a broken or hostile client sends in one signing header. */
const headerValue = (plausible: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.constant(undefined),
    fc.string({ unit: 'binary', maxLength: 200 }),
    plausible,
    fc.array(plausible, { minLength: 2, maxLength: 3 }),
  )

const signingHeaders = fc.record({
  'x-vc-key-id': headerValue(fc.constantFrom('site-a', 'SITE-A', 'site-a ', '')),
  'x-vc-timestamp': headerValue(
    fc.oneof(
      fc.integer({ min: -1e15, max: 1e15 }).map(String),
      fc.constantFrom(String(NOW / 1000), `${NOW / 1000}.5`, '0x10', '1e9', ' 1767225600'),
    ),
  ),
  'x-vc-nonce': headerValue(fc.stringMatching(/^[A-Za-z0-9_-]{0,70}$/)),
  'x-vc-signature': headerValue(
    fc.oneof(
      fc.stringMatching(/^v1=[0-9a-fA-F]{0,70}$/),
      fc.stringMatching(/^v[0-9]=[0-9a-f]{64}$/),
      fc.constant(`v1=${'0'.repeat(64)}`),
    ),
  ),
})

describe('checkSignature (fuzz)', () => {
  it('should answer a key id or throw a 401 VcError, whatever the headers', () => {
    fc.assert(
      fc.property(
        signingHeaders,
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.constantFrom('POST', 'post', 'GET', ''),
        fc.string({ maxLength: 100 }),
        (headers, body, method, url) => {
          try {
            checkSignature({ method, url, headers, body: Buffer.from(body) }, { keys, nowMs: NOW })
            expect.unreachable('nothing here is signed with the secret')
          } catch (err) {
            expect(isVcError(err), String(err)).toBe(true)
            expect((err as { status: number }).status).toBe(401)
          }
        },
      ),
      { numRuns: 1000 },
    )
  })
})

describe('parseLastEventId (fuzz)', () => {
  const messageId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)

  it('should answer -1, undefined or a seq for any input, never throw', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ unit: 'binary', maxLength: 120 })), messageId, (raw, id) => {
        const seq = parseLastEventId(raw ?? undefined, id)
        expect(seq === undefined || (Number.isSafeInteger(seq) && seq >= -1)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('should read back every well-formed id of its own message and refuse other messages', () => {
    fc.assert(
      fc.property(messageId, messageId, fc.nat({ max: 999_999_999 }), (id, other, seq) => {
        expect(parseLastEventId(`${id}:${seq}`, id)).toBe(seq)
        if (other !== id) expect(parseLastEventId(`${other}:${seq}`, id)).toBeUndefined()
      }),
      { numRuns: 2000 },
    )
  })
})

describe('routePath (fuzz, issue 20)', () => {
  const patterns = [
    '/api/chat/conversations',
    '/api/chat/stream/:messageId',
    '/api/internal/session/create',
    '/metrics',
  ]
  /** A concrete path of `pattern` with the characters at `picks` percent-encoded (never a '/'). */
  const pathOf = (pattern: string, picks: number[], upper: boolean) => {
    const chars = [...pattern.replace(':messageId', 'm_123')]
    for (const p of picks) {
      const i = p % chars.length
      const c = chars[i]!
      const h = c.charCodeAt(0).toString(16).padStart(2, '0')
      if (c !== '/' && c.length === 1) chars[i] = `%${upper ? h.toUpperCase() : h}`
    }
    return chars.join('')
  }

  it('should name the matched route for every percent-encoding of its path', async () => {
    const app = Fastify()
    installErrorHandler(app)
    installRequestTarget(app)
    let seen: string | undefined
    app.addHook('onRequest', async (request) => void (seen = routePath(request)))
    for (const p of patterns) app.all(p, async () => ({ ok: true }))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...patterns),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        async (pattern, picks, upper) => {
          const url = pathOf(pattern, picks, upper)
          const res = await app.inject({ url })
          expect(res.statusCode, url).toBe(200)
          expect(seen, url).toBe(pattern)
        },
      ),
      { numRuns: 300 },
    )
    await app.close()
  })

  it('should never throw on any raw target, and decode what the router would', () => {
    const unmatched = (url: string) =>
      ({ routeOptions: { url: undefined }, raw: { url } }) as unknown as FastifyRequest
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (raw) => {
        expect(typeof routePath(unmatched(raw))).toBe('string')
      }),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.constantFrom(...patterns), fc.array(fc.nat(), { maxLength: 8 }), (pattern, picks) => {
        const plain = pattern.replace(':messageId', 'm_123')
        expect(routePath(unmatched(`${pathOf(pattern, picks, false)}?x=%2F`))).toBe(plain)
      }),
      { numRuns: 500 },
    )
  })
})
