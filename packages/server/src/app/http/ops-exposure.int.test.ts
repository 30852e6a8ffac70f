/**
 * Issue 20, finding 9: what an anonymous caller learns. `/metrics`, `/docs`, `/openapi.json` and the
 * checks of `/readyz` (which name a failing OAuth key id) answer OPS_IP_ALLOWLIST only (loopback by
 * default); everyone else gets `/readyz`'s status. An unknown key id and a bad signature look the same
 * to the caller; the audit row keeps which it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OAUTH_APP, startStack, type Stack } from '../../../test/harness'
import { signedPost } from '../../../test/signed'

const STRANGER = '203.0.113.20'
const OPERATOR = '198.51.100.7'
let byDefault: Stack
let listed: Stack
beforeAll(async () => {
  // OAuth broken, the PAT working: ready, with `checks.cozeOauth` naming the failure.
  const o = { backend: 'embedded', oauth: 'broken', pat: 'ok' } as const
  byDefault = await startStack({ ...o, env: { TRUST_PROXY: '127.0.0.1, ::1' } })
  listed = await startStack({
    ...o,
    env: { TRUST_PROXY: '127.0.0.1, ::1', OPS_IP_ALLOWLIST: '198.51.100.0/24' },
  })
})
afterAll(async () => {
  await byDefault?.close()
  await listed?.close()
})

const get = (s: Stack, path: string, from?: string) =>
  fetch(s.url + path, { headers: from ? { 'x-forwarded-for': from } : {} })

describe('ops endpoints', () => {
  it.each(['/metrics', '/docs', '/docs/static/index.html', '/openapi.json', '/%6detrics'])(
    'should answer %s to the allowlist only',
    async (path) => {
      expect((await get(byDefault, path, STRANGER)).status).toBe(403)
      expect((await get(byDefault, path)).status).toBeLessThan(400) // loopback, the default list
      expect((await get(listed, path, OPERATOR)).status).toBeLessThan(400)
      expect((await get(listed, path)).status).toBe(403) // loopback is not in this list
    },
  )

  it('should show /readyz checks to the allowlist and the status to everyone else', async () => {
    await byDefault.chat((await byDefault.newUser()).token, { message: '你好' }) // OAuth tried and failed
    const stranger = await get(byDefault, '/readyz', STRANGER)
    expect(stranger.status).toBe(200)
    const text = await stranger.text()
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['status'])
    expect(text).not.toContain(OAUTH_APP.keyId)
    const operator = (await (await get(byDefault, '/readyz')).json()) as { checks: Record<string, string> }
    expect(operator.checks).toMatchObject({ coze: 'ok', cozeOauth: expect.stringMatching(/^down/) })
    expect((await get(byDefault, '/healthz', STRANGER)).status).toBe(200)
  })
})

describe('S2S key ids', () => {
  const body = '{}'
  it('should answer an unknown key id like a bad signature, and audit which it was', async () => {
    const unknown = await signedPost(
      byDefault.url,
      '/api/internal/session/create',
      body,
      {},
      {
        id: 'no-such-key',
        secret: 'whatever-secret-0123456789',
      },
    )
    const forged = await signedPost(byDefault.url, '/api/internal/session/create', body, {
      'x-vc-signature': `v1=${'0'.repeat(64)}`,
    })
    expect([unknown.status, unknown.json.error?.code]).toEqual([401, 'SIGNATURE_INVALID'])
    expect([forged.status, forged.json.error?.code]).toEqual([401, 'SIGNATURE_INVALID'])
    const { requestId: _a, ...a } = unknown.json.error!
    const { requestId: _b, ...b } = forged.json.error!
    expect(a).toEqual(b)
    await byDefault.services.audit.flush()
    const rows = await byDefault.store.listAudit(0, 10_000)
    expect(rows.find((r) => r.requestId === unknown.json.error!.requestId)).toMatchObject({
      action: 's2s.denied',
      reason: 'UNKNOWN_KEY',
      keyId: 'no-such-key',
    })
  })

  it('should not tell key ids apart by the timestamp check either', async () => {
    const stale = { 'x-vc-timestamp': String(Math.floor(Date.now() / 1000) - 3600) }
    const unknown = await signedPost(byDefault.url, '/api/internal/session/create', body, stale, {
      id: 'no-such-key',
      secret: 'whatever-secret-0123456789',
    })
    const known = await signedPost(byDefault.url, '/api/internal/session/create', body, stale)
    expect([unknown.json.error?.code, known.json.error?.code]).toEqual([
      'TIMESTAMP_OUT_OF_WINDOW',
      'TIMESTAMP_OUT_OF_WINDOW',
    ])
  })
})
