/**
 * Issue 6, must-show 4 (unit half): the signature header parser only ever answers a key id or a 401
 * VcError; the resume id parser (`chat/event-id.ts`) never throws and reads back what it is given.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseLastEventId } from '../chat/event-id'
import { isVcError } from '../errors'
import { checkSignature } from './s2s-signature'

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
