/**
 * The official JS SDK (`@coze/api` 1.3.9) against the sim, unchanged: if the SDK accepts every reply,
 * the sim speaks Coze's protocol as the SDK's parsers understand it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APIError,
  AuthenticationError,
  ChatEventType,
  ChatStatus,
  CozeAPI,
  getJWTToken,
  RoleType,
  type StreamChatData,
} from '@coze/api'
import { BOT_ID, rsaKeys } from './test-support'
import { startCozeSim } from './server'
import type { CozeSim } from './types'

const APP_ID = '1180000000001'
const KEY_ID = 'sdk-kid'
let sim: CozeSim
let privateKeyPem: string
let client: CozeAPI

const ask = (content: string) => [{ role: RoleType.User, content, content_type: 'text' as const }]

beforeAll(async () => {
  const keys = rsaKeys()
  privateKeyPem = keys.privateKeyPem
  sim = await startCozeSim({
    oauthApps: [{ appId: APP_ID, keyId: KEY_ID, publicKeyPem: keys.publicKeyPem }],
    firstTokenDelayMs: 0,
    tokensPerSecond: 0,
  })
  // The SDK signs `aud` with whatever it is given; Coze expects the API host (coze-protocol.md §4.1).
  const token = await getJWTToken({
    baseURL: sim.url,
    appId: APP_ID,
    aud: 'api.coze.cn',
    keyid: KEY_ID,
    privateKey: privateKeyPem,
  })
  client = new CozeAPI({ token: token.access_token, baseURL: sim.url })
})
afterAll(() => sim.close())

describe('@coze/api against coze-sim', () => {
  it('should get a JWT OAuth token with an absolute expires_in', async () => {
    const token = await getJWTToken({
      baseURL: sim.url,
      appId: APP_ID,
      aud: 'api.coze.cn',
      keyid: KEY_ID,
      privateKey: privateKeyPem,
      durationSeconds: 600,
    })
    expect(token.access_token).toMatch(/^czs_/)
    expect(token.expires_in * 1000).toBeGreaterThan(Date.now() + 590_000)
    expect(sim.stats.tokenExchanges).toBeGreaterThanOrEqual(2)
  })

  it('should stream created, in_progress, deltas, completed and done with the scripted text', async () => {
    const question = 'SDK 流式 [[sim:tokens=12]]'
    const parts: StreamChatData[] = []
    for await (const part of client.chat.stream({
      bot_id: BOT_ID,
      user_id: 'sdk-user',
      additional_messages: ask(question),
    })) {
      parts.push(part)
    }
    const events = parts.map((p) => p.event)
    expect(events.slice(0, 2)).toEqual([
      ChatEventType.CONVERSATION_CHAT_CREATED,
      ChatEventType.CONVERSATION_CHAT_IN_PROGRESS,
    ])
    expect(events.slice(-2)).toEqual([ChatEventType.CONVERSATION_CHAT_COMPLETED, ChatEventType.DONE])
    const answer = sim.answerFor(question)
    const text = parts
      .filter((p) => p.event === ChatEventType.CONVERSATION_MESSAGE_DELTA)
      .map((p) => (p.data as { content: string }).content)
      .join('')
    expect(text).toBe(answer.text)
    const completed = parts.filter((p) => p.event === ChatEventType.CONVERSATION_MESSAGE_COMPLETED)
    expect(completed.map((p) => (p.data as { type: string }).type)).toEqual([
      'answer',
      'follow_up',
      'follow_up',
      'follow_up',
      'verbose',
    ])
    expect(parts.at(-2)!.data).toMatchObject({ status: ChatStatus.COMPLETED, usage: answer.usage })
    expect(parts.at(-1)!.data).toBe('[DONE]')
  })

  it('should create a conversation and chat in it with create + retrieve + messages.list', async () => {
    const conversation = await client.conversations.create({ bot_id: BOT_ID })
    expect(conversation.id).toMatch(/^\d{19}$/)
    const question = 'SDK 非流式 [[sim:tokens=5]]'
    const chat = await client.chat.create({
      bot_id: BOT_ID,
      user_id: 'sdk-user',
      conversation_id: conversation.id,
      additional_messages: ask(question),
    })
    expect(chat.status).toBe(ChatStatus.IN_PROGRESS)
    await expect
      .poll(async () => (await client.chat.retrieve(conversation.id, chat.id)).status)
      .toBe(ChatStatus.COMPLETED)
    const messages = await client.chat.messages.list(conversation.id, chat.id)
    expect(messages[0]).toMatchObject({ type: 'answer', content: sim.answerFor(question).text })
  })

  it('should finish createAndPoll', async () => {
    const question = 'SDK 轮询 [[sim:tokens=3]]'
    const { chat, messages } = await client.chat.createAndPoll({
      bot_id: BOT_ID,
      additional_messages: ask(question),
    })
    expect(chat.status).toBe(ChatStatus.COMPLETED)
    expect(messages![0]!.content).toBe(sim.answerFor(question).text)
  })

  it('should cancel a running chat, and raise 4104 for a finished one', async () => {
    const chat = await client.chat.create({
      bot_id: BOT_ID,
      user_id: 'u',
      additional_messages: ask('慢 [[sim:ttft=60000]]'),
    })
    const canceled = await client.chat.cancel(chat.conversation_id, chat.id)
    expect(canceled.status).toBe(ChatStatus.CANCELED)
    await expect(client.chat.cancel(chat.conversation_id, chat.id)).rejects.toMatchObject({ code: 4104 })
  })

  it('should surface sim errors as the SDK error classes', async () => {
    const stranger = new CozeAPI({ token: 'pat_unknown', baseURL: sim.url })
    const denied = stranger.conversations.create({})
    await expect(denied).rejects.toBeInstanceOf(AuthenticationError)
    await expect(denied).rejects.toMatchObject({ code: 4100, logid: expect.stringMatching(/^\d{14}/) })
    const streamDenied = async () => {
      for await (const _ of stranger.chat.stream({ bot_id: BOT_ID, additional_messages: ask('你好') })) break
    }
    await expect(streamDenied()).rejects.toBeInstanceOf(AuthenticationError)
    const busy = await client.chat.create({
      bot_id: BOT_ID,
      user_id: 'u',
      additional_messages: ask('忙 [[sim:ttft=60000]]'),
    })
    const second = client.chat.create({
      bot_id: BOT_ID,
      user_id: 'u',
      conversation_id: busy.conversation_id,
      additional_messages: ask('再问'),
    })
    await expect(second).rejects.toBeInstanceOf(APIError)
    await expect(second).rejects.toMatchObject({ code: 4016 })
    await client.chat.cancel(busy.conversation_id, busy.id)
  })

  it('should read an error event mid-stream as an SDK error event', async () => {
    const events: string[] = []
    for await (const part of client.chat.stream({
      bot_id: BOT_ID,
      additional_messages: ask('出错 [[sim:error-event=1]]'),
    })) {
      events.push(part.event)
    }
    expect(events.at(-1)).toBe(ChatEventType.ERROR)
    expect(events).not.toContain(ChatEventType.DONE)
  })
})
