import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { randomUUID } from 'node:crypto'
import { JWT_BEARER } from './oauth'
import { call, rsaKeys, signJwt, startTestSim, type JwtClaims } from './test-support'
import type { CozeSim } from './types'

const APP_ID = '1187654321'
const KID = 'kid-test-1'
let keys: ReturnType<typeof rsaKeys>
let sim: CozeSim

beforeAll(() => {
  keys = rsaKeys()
})
beforeEach(async () => {
  sim = await startTestSim({
    pats: [],
    oauthApps: [{ appId: APP_ID, keyId: KID, publicKeyPem: keys.publicKeyPem }],
  })
})
afterEach(() => sim.close())

const now = () => Math.floor(Date.now() / 1000)
const claims = (over: JwtClaims = {}): JwtClaims => ({
  iss: APP_ID,
  aud: 'api.coze.cn',
  iat: now(),
  exp: now() + 600,
  jti: randomUUID(),
  ...over,
})
const exchange = (jwt: string, body: unknown = { grant_type: JWT_BEARER, duration_seconds: 900 }) =>
  call(sim, 'POST', '/api/permission/oauth2/token', body, jwt)

describe('POST /api/permission/oauth2/token', () => {
  it('should trade a good JWT for an unwrapped token with an absolute expires_in', async () => {
    const r = await exchange(await signJwt(keys.privateKeyPem, KID, claims()))
    expect(r.status).toBe(200)
    expect(r.headers.get('x-tt-logid')).toBeTruthy()
    expect(r.body).toEqual({
      access_token: expect.stringMatching(/^czs_/),
      expires_in: expect.any(Number),
      token_type: 'Bearer',
    })
    expect(r.body.expires_in).toBeGreaterThanOrEqual(now() + 899)
    expect(r.body.expires_in).toBeLessThanOrEqual(now() + 900)
    expect(sim.stats.tokenExchanges).toBe(1)
    const used = await call(sim, 'POST', '/v1/conversation/create', {}, r.body.access_token)
    expect(used.body.code).toBe(0)
  })

  // coze-protocol.md §9 row 6: the API host name, whatever base URL (a proxy, the sim) was used.
  it.each(['api.coze.com', 'own host'])('should refuse aud %s by default (only api.coze.cn)', async (aud) => {
    const own = new URL(sim.url).host
    const r = await exchange(
      await signJwt(keys.privateKeyPem, KID, claims({ aud: aud === 'own host' ? own : aud })),
    )
    expect(r.status).toBe(401)
    expect(r.body.error_message).toContain('aud')
  })

  it('should accept exactly the configured oauthAudience', async () => {
    const com = await startTestSim({
      pats: [],
      oauthAudience: 'api.coze.com',
      oauthApps: [{ appId: APP_ID, keyId: KID, publicKeyPem: keys.publicKeyPem }],
    })
    try {
      const send = async (aud: string) =>
        (
          await call(
            com,
            'POST',
            '/api/permission/oauth2/token',
            { grant_type: JWT_BEARER },
            await signJwt(keys.privateKeyPem, KID, claims({ aud })),
          )
        ).status
      expect(await send('api.coze.com')).toBe(200)
      expect(await send('api.coze.cn')).toBe(401)
    } finally {
      await com.close()
    }
  })

  it('should default duration_seconds to 900 and cap it at 86399', async () => {
    const dflt = await exchange(await signJwt(keys.privateKeyPem, KID, claims()), { grant_type: JWT_BEARER })
    expect(dflt.body.expires_in - now()).toBeGreaterThan(890)
    expect(dflt.body.expires_in - now()).toBeLessThanOrEqual(900)
    const body = { grant_type: JWT_BEARER, duration_seconds: 999_999 }
    const capped = await exchange(await signJwt(keys.privateKeyPem, KID, claims()), body)
    expect(capped.body.expires_in - now()).toBeGreaterThan(86_389)
    expect(capped.body.expires_in - now()).toBeLessThanOrEqual(86_399)
  })

  it('should refuse a replayed jti', async () => {
    const jwt = await signJwt(keys.privateKeyPem, KID, claims())
    expect((await exchange(jwt)).status).toBe(200)
    const again = await exchange(jwt)
    expect(again.status).toBe(401)
    expect(again.body).toEqual({
      error_code: 'invalid_client',
      error_message: expect.stringContaining('jti'),
      error: 'invalid_client',
      detail: { logid: again.headers.get('x-tt-logid') },
    })
    expect(sim.stats.tokenExchanges).toBe(1)
  })

  it.each<[string, () => Promise<string>]>([
    ['a wrong kid', () => signJwt(keys.privateKeyPem, 'kid-other', claims())],
    ['a wrong iss', () => signJwt(keys.privateKeyPem, KID, claims({ iss: '999' }))],
    [
      'an expired JWT',
      () => signJwt(keys.privateKeyPem, KID, claims({ iat: now() - 700, exp: now() - 100 })),
    ],
    ['a bad aud', () => signJwt(keys.privateKeyPem, KID, claims({ aud: 'api.example.com' }))],
    [
      'an iat far in the future',
      () => signJwt(keys.privateKeyPem, KID, claims({ iat: now() + 600, exp: now() + 900 })),
    ],
    ['no jti', () => signJwt(keys.privateKeyPem, KID, claims({ jti: undefined }))],
    ['a key that is not the app key', () => signJwt(rsaKeys().privateKeyPem, KID, claims())],
    ['a bearer that is not a JWT', async () => 'pat_not_a_jwt'],
  ])('should answer HTTP 401 for %s', async (_name, make) => {
    const r = await exchange(await make())
    expect(r.status).toBe(401)
    expect(r.body).toMatchObject({ error_code: 'invalid_client', error: 'invalid_client' })
    expect(r.body.access_token).toBeUndefined()
    expect(sim.stats.tokenExchanges).toBe(0)
  })

  it('should answer HTTP 400 for another grant_type or bad JSON', async () => {
    const jwt = await signJwt(keys.privateKeyPem, KID, claims())
    const grant = await exchange(jwt, { grant_type: 'client_credentials' })
    expect(grant.status).toBe(400)
    expect(grant.body.error).toBe('unsupported_grant_type')
    expect((await exchange(jwt, '{oops')).status).toBe(400)
  })

  it('should answer 503 while oauthDown is on', async () => {
    sim.faults.oauthDown(true)
    const down = await exchange(await signJwt(keys.privateKeyPem, KID, claims()))
    expect(down.status).toBe(503)
    expect(down.body.error).toBe('server_error')
    sim.faults.oauthDown(false)
    expect((await exchange(await signJwt(keys.privateKeyPem, KID, claims()))).status).toBe(200)
  })
})

describe('access tokens', () => {
  const token = async () =>
    (await exchange(await signJwt(keys.privateKeyPem, KID, claims()))).body.access_token
  const use = (t: string) => call(sim, 'POST', '/v1/conversation/create', {}, t)

  it('should invalidate every issued token on expireAllTokens, not later ones', async () => {
    const old = await token()
    sim.faults.expireAllTokens()
    const r = await use(old)
    expect(r.status).toBe(401)
    expect(r.body.code).toBe(4100)
    expect((await use(await token())).status).toBe(200)
  })

  it('should reject a token once its expires_in has passed', async () => {
    const t = await token()
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(Date.now() + 901_000)
      expect((await use(t)).status).toBe(401)
    } finally {
      vi.useRealTimers()
    }
  })
})
