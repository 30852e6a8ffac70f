/**
 * Per-API permissions (coze-protocol.md §9 rows 1 and 7): 4101 on the API not granted, every other API
 * working with the same token; channel apps limited by `scope`; the `denyApi` switch.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connectAudio } from './audio-client'
import { JWT_BEARER } from './oauth'
import { createRouter } from './router'
import { BOT_ID, call, chatBody, PAT, rsaKeys, signJwt, startTestSim } from './test-support'
import type { CozeSim, CozeSimOptions, OAuthApp } from './types'

const KID = 'kid-perm'
let keys: ReturnType<typeof rsaKeys>
let sim: CozeSim | undefined
beforeAll(() => {
  keys = rsaKeys()
})
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const start = async (app: Partial<OAuthApp> = {}, options: CozeSimOptions = {}) => {
  sim = await startTestSim({
    oauthApps: [{ appId: 'app-1', keyId: KID, publicKeyPem: keys.publicKeyPem, ...app }],
    ...options,
  })
  return sim
}

async function tokenOf(s: CozeSim, body: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const jwt = await signJwt(keys.privateKeyPem, KID, {
    iss: 'app-1',
    aud: 'api.coze.cn',
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
  })
  const r = await call(s, 'POST', '/api/permission/oauth2/token', { grant_type: JWT_BEARER, ...body }, jwt)
  expect(r.status).toBe(200)
  return r.body.access_token as string
}

const createConversation = (s: CozeSim, token: string) =>
  call(s, 'POST', '/v1/conversation/create', {}, token)
const chat = (s: CozeSim, token: string, botId = BOT_ID) =>
  call(s, 'POST', '/v3/chat', chatBody('你好', { stream: false, bot_id: botId }), token)
const cancel = (s: CozeSim, token: string, conversationId: string, chatId: string) =>
  call(s, 'POST', '/v3/chat/cancel', { conversation_id: conversationId, chat_id: chatId }, token)

function expectForbidden(r: Awaited<ReturnType<typeof call>>) {
  // HTTP status unverified (coze-protocol §9): HTTP 200 + code like the other business codes (auth.ts).
  expect(r.status).toBe(200)
  expect(r.body).toEqual({
    code: 4101,
    msg: expect.stringContaining('permission'),
    detail: { logid: r.headers.get('x-tt-logid') },
  })
}

describe('per-API permissions', () => {
  it('should answer 4101 on the API not granted and serve every other API with the same token', async () => {
    const s = await start({ apis: ['chat', 'createConversation', 'retrieveChat'] })
    const token = await tokenOf(s)
    const conv = await createConversation(s, token)
    expect(conv.body.code).toBe(0)
    const started = await chat(s, token)
    expect(started.body.code).toBe(0)
    expectForbidden(await cancel(s, token, started.body.data.conversation_id, started.body.data.id))
    const retrieved = await call(
      s,
      'GET',
      `/v3/chat/retrieve?conversation_id=${started.body.data.conversation_id}&chat_id=${started.body.data.id}`,
      undefined,
      token,
    )
    expect(retrieved.body.code).toBe(0)
    expect(s.stats).toMatchObject({ permissionDenials: 1, authFailures: 0, cancelCalls: 1 })
  })

  it('should grant PATs only patApis when set', async () => {
    const s = await start({}, { patApis: ['chat'] })
    expect((await chat(s, PAT)).body.code).toBe(0)
    expectForbidden(await createConversation(s, PAT))
  })

  it('should switch one API off and on with faults.denyApi, for every token, until reset', async () => {
    const s = await start()
    const token = await tokenOf(s)
    s.faults.denyApi('createConversation', true)
    expectForbidden(await createConversation(s, token))
    expectForbidden(await createConversation(s, PAT))
    expect((await chat(s, token)).body.code).toBe(0)
    s.faults.denyApi('createConversation', false)
    expect((await createConversation(s, token)).body.code).toBe(0)
    s.faults.denyApi('chat', true)
    s.reset()
    expect((await chat(s, token)).body.code).toBe(0)
  })

  it('should refuse a bad token with 4100 before looking at permissions', async () => {
    const s = await start({ apis: [] })
    const r = await createConversation(s, 'czs_unknown')
    expect([r.status, r.body.code]).toEqual([401, 4100])
  })

  it('should open the audio WebSocket and answer an error event 4101 when its API is not granted', async () => {
    const s = await start({}, { patApis: ['createTranscription'] })
    const wsBase = s.url.replace('http', 'ws')
    const headers = { authorization: `Bearer ${PAT}` }
    const speech = await connectAudio(`${wsBase}/v1/audio/speech`, { headers })
    const { code } = await speech.closed
    expect(speech.frames.map((f) => [f.event_type, f.data?.code])).toEqual([['error', 4101]])
    expect(code).toBe(1008)
    const asr = await connectAudio(`${wsBase}/v1/audio/transcriptions`, { headers })
    await asr.until((f) => f.event_type === 'transcriptions.created')
    asr.close()
    expect(s.stats.permissionDenials).toBe(1)
  })

  it('should refuse to register an authenticated route without an api name', () => {
    const route = { methods: ['GET'], path: '/v1/x', auth: true, handle: () => undefined }
    expect(() => createRouter().add(route)).toThrow(/must name its api/)
  })
})

describe('scope (coze-protocol.md §9 row 7)', () => {
  const scope = (bots: string[]) => ({
    account_permission: { permission_list: ['Connector.botChat'] },
    attribute_constraint: { connector_bot_chat_attribute: { bot_id_list: bots } },
  })

  it('should ignore the scope of a normal app', async () => {
    const s = await start()
    const token = await tokenOf(s, { scope: scope(['other-bot']) })
    expect((await chat(s, token)).body.code).toBe(0)
    expect((await createConversation(s, token)).body.code).toBe(0)
  })

  it('should limit a channel app token to chat with the listed bots', async () => {
    const s = await start({ channel: true })
    const token = await tokenOf(s, { scope: scope([BOT_ID]) })
    expect((await chat(s, token)).body.code).toBe(0)
    expectForbidden(await chat(s, token, 'another-bot'))
    expectForbidden(await createConversation(s, token))
    const unscoped = await tokenOf(s)
    expect((await createConversation(s, unscoped)).body.code).toBe(0)
  })
})
