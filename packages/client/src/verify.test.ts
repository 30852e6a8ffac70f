import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import vectors from '../test/signature-v1.json'
import { signRequest } from './sign'
import { createMemoryNonceStore, verifyToolCall, type ToolCallRequest } from './verify'

const KEY_ID = 'tools-2026'
const SECRET = 'tools-secret-0123456789abcdef'
const NOW = 1_767_225_600_000
const PATH = '/tools?site=a'

const CALL = {
  toolCallId: 'call_1',
  name: 'my_orders',
  arguments: '{"limit":3}',
  sessionId: 'sess_1',
  externalUserId: 'u-42',
  conversationId: 'conv_1',
  messageId: 'msg_1',
}

function signed(body: string | Uint8Array = JSON.stringify(CALL), o: { path?: string; nowMs?: number } = {}) {
  const headers = signRequest({
    keyId: KEY_ID,
    secret: SECRET,
    method: 'POST',
    path: o.path ?? PATH,
    body,
    now: () => o.nowMs ?? NOW,
  })
  return { method: 'POST', url: o.path ?? PATH, headers, body } satisfies ToolCallRequest
}

const verify = (req: ToolCallRequest, nowMs = NOW) =>
  verifyToolCall(req, { keys: { [KEY_ID]: SECRET }, nowMs, nonceStore: createMemoryNonceStore() })

describe('verifyToolCall', () => {
  it('should accept a signed call and give back its typed body', async () => {
    const result = await verify(signed())
    expect(result).toEqual({ ok: true, keyId: KEY_ID, call: { ...CALL, args: { limit: 3 } } })
  })

  it('should take the keys as a Map and the body as bytes', async () => {
    const req = signed(new TextEncoder().encode(JSON.stringify(CALL)))
    const result = await verifyToolCall(req, { keys: new Map([[KEY_ID, SECRET]]), nowMs: NOW })
    expect(result.ok).toBe(true)
  })

  it('should verify the shared golden vectors as the service does', async () => {
    for (const v of vectors.vectors) {
      const req = {
        method: v.method,
        url: v.path,
        body: v.body,
        headers: {
          'x-vc-key-id': 'k',
          'x-vc-timestamp': String(v.timestamp),
          'x-vc-nonce': v.nonce,
          'x-vc-signature': v.signature,
        },
      }
      const result = await verifyToolCall(req, { keys: { k: v.secret }, nowMs: v.timestamp * 1000 })
      // The vectors are session calls: the signature passes, their bodies are not tool calls.
      expect(result).toMatchObject({ ok: false, code: 'BAD_REQUEST', status: 400 })
    }
  })

  it('should refuse a missing or repeated signing header', async () => {
    const req = signed()
    const { ['x-vc-nonce']: _nonce, ...rest } = req.headers
    expect(await verify({ ...req, headers: rest })).toMatchObject({ code: 'SIGNATURE_INVALID', status: 401 })
    const twice = { ...req.headers, 'x-vc-signature': [req.headers['x-vc-signature']!, 'v1=00'] }
    expect(await verify({ ...req, headers: twice })).toMatchObject({ code: 'SIGNATURE_INVALID' })
  })

  it('should refuse an unknown key id', async () => {
    const req = signed()
    const result = await verify({ ...req, headers: { ...req.headers, 'x-vc-key-id': 'other' } })
    expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_KEY', status: 401 })
  })

  it('should keep a 300 s window either side of its clock', async () => {
    expect((await verify(signed(), NOW + 300_000)).ok).toBe(true)
    expect(await verify(signed(), NOW + 301_000)).toMatchObject({ code: 'TIMESTAMP_OUT_OF_WINDOW' })
    expect(await verify(signed(), NOW - 301_000)).toMatchObject({ code: 'TIMESTAMP_OUT_OF_WINDOW' })
  })

  it('should refuse a signature made for another path, method or secret', async () => {
    const req = signed()
    expect(await verify({ ...req, url: '/tools' })).toMatchObject({ code: 'SIGNATURE_INVALID' })
    expect(await verify({ ...req, method: 'PUT' })).toMatchObject({ code: 'SIGNATURE_INVALID' })
    const other = await verifyToolCall(req, { keys: { [KEY_ID]: 'another-secret-0123456789' }, nowMs: NOW })
    expect(other).toMatchObject({ code: 'SIGNATURE_INVALID' })
  })

  it('should refuse a malformed nonce or signature', async () => {
    const req = signed()
    const bad = (h: Record<string, string>) => verify({ ...req, headers: { ...req.headers, ...h } })
    expect(await bad({ 'x-vc-nonce': 'short' })).toMatchObject({ code: 'SIGNATURE_INVALID' })
    expect(await bad({ 'x-vc-signature': 'v1=XYZ' })).toMatchObject({ code: 'SIGNATURE_INVALID' })
    expect(await bad({ 'x-vc-timestamp': '17e8' })).toMatchObject({ code: 'TIMESTAMP_OUT_OF_WINDOW' })
  })

  it('should refuse a replayed nonce for 600 s, and only after the signature passed', async () => {
    const nonceStore = createMemoryNonceStore()
    const opts = (nowMs: number) => ({ keys: { [KEY_ID]: SECRET }, nowMs, nonceStore })
    const req = signed()
    // A forgery carrying the nonce does not burn it.
    const forged = { ...req, headers: { ...req.headers, 'x-vc-signature': 'v1=' + '0'.repeat(64) } }
    expect(await verifyToolCall(forged, opts(NOW))).toMatchObject({ code: 'SIGNATURE_INVALID' })
    expect((await verifyToolCall(req, opts(NOW))).ok).toBe(true)
    expect(await verifyToolCall(req, opts(NOW + 1_000))).toMatchObject({
      code: 'NONCE_REPLAYED',
      status: 401,
    })
    // Past the window the timestamp refuses it anyway; the store forgets the nonce after 600 s.
    expect(
      await nonceStore.spend(`${KEY_ID}:${req.headers['x-vc-nonce']}`, { ttlMs: 1, nowMs: NOW + 600_000 }),
    ).toBe(true)
  })

  it('should use a pluggable nonce store', async () => {
    const spent: string[] = []
    const nonceStore = { spend: async (key: string) => (spent.push(key), false) }
    const req = signed()
    const result = await verifyToolCall(req, { keys: { [KEY_ID]: SECRET }, nowMs: NOW, nonceStore })
    expect(result).toMatchObject({ code: 'NONCE_REPLAYED' })
    expect(spent).toEqual([`${KEY_ID}:${req.headers['x-vc-nonce']}`])
  })

  it('should refuse a signed body that is not a tool call with BAD_REQUEST', async () => {
    const cases: unknown[] = [
      'not json',
      [],
      { ...CALL, name: '' },
      { ...CALL, toolCallId: 7 },
      { ...CALL, arguments: { limit: 3 } },
      { ...CALL, messageId: undefined },
      { ...CALL, externalUserId: 5 },
    ]
    for (const c of cases) {
      const result = await verify(signed(typeof c === 'string' ? c : JSON.stringify(c)))
      expect(result).toMatchObject({ ok: false, code: 'BAD_REQUEST', status: 400 })
    }
  })

  it('should leave out an absent externalUserId and keep non-JSON arguments as text', async () => {
    const { externalUserId: _e, ...rest } = CALL
    const result = await verify(signed(JSON.stringify({ ...rest, externalUserId: null, arguments: 'x' })))
    expect(result).toEqual({ ok: true, keyId: KEY_ID, call: { ...rest, arguments: 'x', args: undefined } })
  })
})

describe('verifyToolCall (properties)', () => {
  const body = fc.record({
    toolCallId: fc.string({ minLength: 1, maxLength: 40 }),
    name: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    arguments: fc.json(),
    sessionId: fc.string({ minLength: 1, maxLength: 40 }),
    conversationId: fc.string({ minLength: 1, maxLength: 40 }),
    messageId: fc.string({ minLength: 1, maxLength: 40 }),
  })
  const path = fc.webPath().map((p) => '/' + p.replace(/^\/+/, ''))

  it('should round-trip any call sign → verify', async () => {
    await fc.assert(
      fc.asyncProperty(body, path, async (b, p) => {
        const result = await verify(signed(JSON.stringify(b), { path: p }))
        expect(result.ok && result.call.toolCallId).toBe(b.toolCallId)
      }),
    )
  })

  it('should refuse any single byte flipped in the body, path or signature', async () => {
    const flip = (s: string | Uint8Array, at: number, bit: number) => {
      const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s)
      const i = at % bytes.length
      bytes[i] = bytes[i]! ^ (1 << bit)
      return bytes
    }
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom('body', 'path', 'signature'),
        async (b, at, bit, where) => {
          const req = signed(JSON.stringify(b))
          let changed: ToolCallRequest
          if (where === 'body') changed = { ...req, body: flip(req.body, at, bit) }
          else if (where === 'path') changed = { ...req, url: flip(req.url, at, bit).toString('latin1') }
          else {
            const hex = req.headers['x-vc-signature']!.slice(3)
            const i = at % hex.length
            const other = ((parseInt(hex[i]!, 16) + 1 + (bit % 15)) % 16).toString(16)
            changed = {
              ...req,
              headers: {
                ...req.headers,
                'x-vc-signature': `v1=${hex.slice(0, i)}${other}${hex.slice(i + 1)}`,
              },
            }
          }
          expect(await verify(changed)).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' })
        },
      ),
    )
  })
})
