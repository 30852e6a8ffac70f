/**
 * The official JS SDK (`@coze/api`) against the sim's permissions and OAuth audience (coze-protocol.md
 * §9 rows 1, 6): a 4101 surfaces as the SDK's PermissionDeniedError on that API only, and the SDK's
 * JWT helper works with `aud` api.coze.cn while its baseURL is the sim.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CozeAPI, getJWTToken, PermissionDeniedError, RoleType } from '@coze/api'
import { startCozeSim } from './server'
import { BOT_ID, rsaKeys } from './test-support'
import type { CozeSim } from './types'

const APP_ID = '1180000000002'
const KEY_ID = 'sdk-perm-kid'
let sim: CozeSim
let privateKeyPem: string

beforeAll(async () => {
  const keys = rsaKeys()
  privateKeyPem = keys.privateKeyPem
  sim = await startCozeSim({
    oauthApps: [
      {
        appId: APP_ID,
        keyId: KEY_ID,
        publicKeyPem: keys.publicKeyPem,
        apis: ['chat', 'createConversation', 'retrieveChat'],
      },
    ],
    firstTokenDelayMs: 0,
    tokensPerSecond: 0,
  })
})
afterAll(() => sim.close())

const jwtToken = (aud: string) =>
  getJWTToken({ baseURL: sim.url, appId: APP_ID, aud, keyid: KEY_ID, privateKey: privateKeyPem })

describe('@coze/api against the sim: permissions and OAuth', () => {
  it('should exchange a JWT with aud api.coze.cn at the sim, and refuse the sim host as aud', async () => {
    const token = await jwtToken('api.coze.cn')
    expect(token.access_token).toMatch(/^czs_/)
    await expect(jwtToken(new URL(sim.url).host)).rejects.toThrow()
  })

  it('should surface 4101 as PermissionDeniedError on the API not granted only', async () => {
    const client = new CozeAPI({ token: (await jwtToken('api.coze.cn')).access_token, baseURL: sim.url })
    const conversation = await client.conversations.create({})
    const chat = await client.chat.create({
      bot_id: BOT_ID,
      user_id: 'sdk-user',
      conversation_id: conversation.id,
      additional_messages: [
        { role: RoleType.User, content: '慢一点 [[sim:tokens=40]]', content_type: 'text' },
      ],
    })
    const denied = await client.chat.cancel(conversation.id, chat.id).catch((e: unknown) => e)
    expect(denied).toBeInstanceOf(PermissionDeniedError)
    expect(denied).toMatchObject({ code: 4101 })
    const again = await client.chat.retrieve(conversation.id, chat.id)
    expect(again.id).toBe(chat.id)
  })

  // js reads a JSON body on a stream as the stream's last, unterminated line: an `error` event
  // (src/fetcher.ts, which checks that body for code 4101).
  it('should surface a 4101 at the start of a stream as an error event with code 4101', async () => {
    const client = new CozeAPI({ token: (await jwtToken('api.coze.cn')).access_token, baseURL: sim.url })
    sim.faults.denyApi('chat', true)
    try {
      const parts: { event: string; data: unknown }[] = []
      for await (const part of client.chat.stream({
        bot_id: BOT_ID,
        user_id: 'sdk-user',
        additional_messages: [{ role: RoleType.User, content: '你好', content_type: 'text' }],
      }))
        parts.push(part)
      expect(parts).toEqual([{ event: 'error', data: expect.objectContaining({ code: 4101 }) }])
    } finally {
      sim.faults.denyApi('chat', false)
    }
  })
})
