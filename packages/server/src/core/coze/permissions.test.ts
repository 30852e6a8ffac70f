/**
 * The client against the sim's per-API permissions and OAuth rules (coze-protocol §9 rows 1, 6, 7,
 * 10–11): a 4101 fails that call only and keeps the credential; the JWT `aud` is Coze's host name;
 * `scope` only for channel apps; conversation create and chat carry what Coze's console needs.
 */
import { generateKeyPairSync } from 'node:crypto'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { startCozeSim, type CozeSim, type CozeSimOptions } from '@volcano-chat/coze-sim'
import { createMemoryKv } from '../../backends/memory/kv'
import { createCozeAuth, type CozeApiName } from './auth'
import { CozeApiError, createCozeClient } from './client'

const BOT = 'bot_perm_test'
const APP = { appId: 'app-perm', keyId: 'kid-perm' }
const keys = (() => {
  const k = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    publicKeyPem: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
})()

let sim: CozeSim | undefined
let closeClient: (() => Promise<void>) | undefined
afterEach(async () => {
  await closeClient?.()
  await sim?.close()
  sim = closeClient = undefined
})

async function setUp(o: { audience?: string; channel?: boolean; sim?: CozeSimOptions } = {}) {
  const s = await startCozeSim({
    oauthApps: [{ ...APP, publicKeyPem: keys.publicKeyPem }],
    firstTokenDelayMs: 0,
    tokensPerSecond: 0,
    ...o.sim,
  })
  sim = s
  const forbidden: CozeApiName[] = []
  const auth = createCozeAuth({
    apiBase: s.url,
    oauth: {
      ...APP,
      privateKeyPem: keys.privateKeyPem,
      audience: o.audience ?? 'api.coze.cn',
      ...(o.channel ? { channel: true } : {}),
    },
    tokenTtlSeconds: 900,
    botId: BOT,
    kv: createMemoryKv(),
    log: pino({ level: 'silent' }),
    onForbidden: (api) => forbidden.push(api),
  })
  const coze = createCozeClient({ apiBase: s.url, botId: BOT, auth, idleTimeoutMs: 2000 })
  closeClient = () => coze.close()
  return { sim: s, auth, coze, forbidden }
}

const bodiesOf = (s: CozeSim, event: 'token' | 'chat' | 'request') => {
  const bodies: { path: string; body?: unknown }[] = []
  s.on(event, (r) => bodies.push({ path: r.path, body: r.body }))
  return bodies
}

describe('CozeApiError', () => {
  it.each([
    [401, 0, true, false],
    [200, 4100, true, false],
    [200, 700012006, true, false],
    [200, 4101, false, true],
    [403, 4101, false, true],
    [200, 4000, false, false],
  ])('HTTP %i code %i: auth %s, forbidden %s', (status, code, auth, forbidden) => {
    const e = new CozeApiError(status, code, 'x')
    expect([e.auth, e.forbidden]).toEqual([auth, forbidden])
  })
})

describe('a 4101 on one API', () => {
  it('should fail that call only, keep the credential and count it per API', async () => {
    const { sim: s, auth, coze, forbidden } = await setUp()
    const { id } = await coze.createConversation('你好')
    const stream = await coze.streamChat({
      conversationId: id,
      userId: 'u1',
      question: '慢 [[sim:tokens=5]]',
    })
    let chatId = ''
    await stream.read((e) => {
      if (e.kind === 'chat') chatId = e.chat.id
      return false
    })
    s.faults.denyApi('cancelChat', true)
    const err = await coze.cancelChat(id, chatId).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CozeApiError)
    expect((err as CozeApiError).forbidden).toBe(true)
    expect(forbidden).toEqual(['cancelChat'])
    expect(auth.status()).toMatchObject({ refusedAt: undefined, forbidden: ['cancelChat'] })
    expect((await coze.retrieveChat(id, chatId)).id).toBe(chatId)
    expect(s.stats).toMatchObject({ tokenExchanges: 1, authFailures: 0, permissionDenials: 1 })
  })

  it('should not drop the token on a 4101 at chat start', async () => {
    const { sim: s, coze, forbidden } = await setUp()
    const { id } = await coze.createConversation()
    s.faults.denyApi('chat', true)
    const err = await coze.streamChat({ conversationId: id, userId: 'u1', question: '你好' }).catch((e) => e)
    expect((err as CozeApiError).code).toBe(4101)
    expect(forbidden).toEqual(['chat'])
    s.faults.denyApi('chat', false)
    await coze.streamChat({ conversationId: id, userId: 'u1', question: '你好' }).then((st) => st.abort())
    expect(s.stats.tokenExchanges).toBe(1)
  })
})

describe('OAuth (coze-protocol §9 rows 6–7)', () => {
  it('should sign aud = the audience while the base URL is the sim, and send no scope for a normal app', async () => {
    const { sim: s, coze } = await setUp()
    const tokens = bodiesOf(s, 'token')
    await coze.createConversation()
    expect(tokens.map((t) => t.body)).toEqual([
      { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', duration_seconds: 900 },
    ])
  })

  it('should be refused by a Coze that expects another audience', async () => {
    const { coze } = await setUp({ sim: { oauthAudience: 'api.coze.com' } })
    await expect(coze.createConversation()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' })
  })

  it('should send the bot scope for a channel app, which then may only chat', async () => {
    const { sim: s, coze } = await setUp({
      channel: true,
      sim: { oauthApps: [{ ...APP, publicKeyPem: keys.publicKeyPem, channel: true }] },
    })
    const tokens = bodiesOf(s, 'token')
    const err = await coze.createConversation().catch((e: unknown) => e)
    expect((err as CozeApiError).code).toBe(4101)
    expect(tokens[0]?.body).toMatchObject({
      scope: { attribute_constraint: { connector_bot_chat_attribute: { bot_id_list: [BOT] } } },
    })
  })
})

describe('what the chat carries', () => {
  it('should create the conversation with bot_id and a name of at most 100 characters', async () => {
    const { sim: s, coze } = await setUp()
    const seen = bodiesOf(s, 'request')
    await coze.createConversation('问'.repeat(150))
    expect(seen.at(-1)).toEqual({
      path: '/v1/conversation/create',
      body: { bot_id: BOT, name: '问'.repeat(100) },
    })
  })

  it('should send custom_variables when given, and none otherwise', async () => {
    const { sim: s, coze } = await setUp()
    const chats = bodiesOf(s, 'chat')
    const { id } = await coze.createConversation()
    const variables = { name: '张三', plan: 'pro' }
    for (const customVariables of [variables, undefined, {}]) {
      const st = await coze.streamChat({
        conversationId: id,
        userId: 'u1',
        question: '你好',
        customVariables,
      })
      await st.read(() => false)
    }
    expect(chats.map((c) => (c.body as { custom_variables?: unknown }).custom_variables)).toEqual([
      variables,
      undefined,
      undefined,
    ])
  })
})

describe('files (coze-protocol §9 row 11)', () => {
  it('should upload multipart `file` and ask an object_string question naming its id', async () => {
    const { sim: s, coze } = await setUp()
    const chats = bodiesOf(s, 'chat')
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])
    const file = await coze.uploadFile({ bytes, name: 'a.png', mime: 'image/png' })
    expect(file).toMatchObject({ id: expect.any(String), bytes: bytes.length, file_name: 'a.png' })
    expect(s.file(file.id)?.content.equals(Buffer.from(bytes))).toBe(true)
    const { id } = await coze.createConversation()
    for (const question of ['这是什么？', '']) {
      const attachments = [{ kind: 'image' as const, cozeFileId: file.id }]
      const st = await coze.streamChat({ conversationId: id, userId: 'u1', question, attachments })
      await st.read(() => false)
    }
    const sent = chats.map((c) => (c.body as { additional_messages: unknown[] }).additional_messages[0])
    const image = { type: 'image', file_id: file.id }
    expect(sent).toEqual([
      {
        role: 'user',
        type: 'question',
        content_type: 'object_string',
        content: JSON.stringify([{ type: 'text', text: '这是什么？' }, image]),
      },
      { role: 'user', type: 'question', content_type: 'object_string', content: JSON.stringify([image]) },
    ])
  })

  it('should fail only the upload on a 4101, keeping the credential', async () => {
    const { sim: s, coze, forbidden } = await setUp()
    s.faults.denyApi('uploadFile', true)
    const err = await coze
      .uploadFile({ bytes: new Uint8Array([1]), name: 'a.txt', mime: 'text/plain' })
      .catch((e: unknown) => e)
    expect((err as CozeApiError).forbidden).toBe(true)
    expect(forbidden).toEqual(['uploadFile'])
    await coze.createConversation()
    expect(s.stats.tokenExchanges).toBe(1)
  })
})
