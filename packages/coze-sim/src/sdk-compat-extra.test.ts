/**
 * The official JS SDK (`@coze/api` 1.3.9) against the sim's endpoints of coze-protocol.md §9 rows 5 and
 * 11: files, bots, conversation clear and TTS limits. Message feedback is not in js 1.3.9 (nor in
 * coze-js main): it is driven by raw requests shaped exactly like coze-py's
 * `conversations.messages.feedback.create/delete`.
 */
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APIError, CozeAPI, PermissionDeniedError, RoleType } from '@coze/api'
import { DEFAULT_BOT } from './bot-routes'
import { BOT_ID, call, PAT, startTestSim } from './test-support'
import type { CozeSim } from './types'

let sim: CozeSim
let client: CozeAPI

beforeAll(async () => {
  sim = await startTestSim({ audio: { bytesPerSecond: 0, chunkBytes: 1000, bytesPerCharacter: 100 } })
  client = new CozeAPI({ token: PAT, baseURL: sim.url })
})
afterAll(() => sim.close())

/** One finished chat in a new conversation; returns its ids and the answer message. */
async function finishedChat(question = '你好') {
  const conversation = await client.conversations.create({ bot_id: BOT_ID })
  const done = await client.chat.createAndPoll({
    bot_id: BOT_ID,
    conversation_id: conversation.id,
    additional_messages: [{ role: RoleType.User, content: question, content_type: 'text' }],
  })
  const answer = done.messages!.find((m) => m.type === 'answer')!
  return { conversation, chat: done.chat, answer }
}

describe('@coze/api files against coze-sim', () => {
  it('should upload a file (multipart field `file`) and retrieve the same File object', async () => {
    const bytes = Buffer.from('hello 文件')
    // In Node the SDK builds the upload with `form-data`, which wants a file stream.
    const path = join(mkdtempSync(join(tmpdir(), 'vc-sdk-')), 'note.txt')
    writeFileSync(path, bytes)
    const file = await client.files.upload({ file: createReadStream(path) })
    expect(file).toEqual({
      id: expect.stringMatching(/^\d{19}$/),
      bytes: bytes.length,
      created_at: expect.any(Number),
      file_name: 'note.txt',
    })
    expect(sim.file(file.id)?.content.equals(bytes)).toBe(true)
    expect(await client.files.retrieve(file.id)).toEqual(file)
    await expect(client.files.retrieve('404')).rejects.toMatchObject({ code: 4200 })
  })

  it('should take an uploaded file_id in an object_string question, and refuse one never uploaded', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vc-sdk-')), 'pixel.png')
    writeFileSync(path, Buffer.from('89504e470d0a1a0a', 'hex'))
    const image = await client.files.upload({ file: createReadStream(path) })
    const heard: unknown[] = []
    const onChat = (r: { body?: unknown }) => heard.push(r.body)
    sim.on('chat', onChat)
    try {
      // The SDK serialises an ObjectStringItem[] content into the JSON string Coze takes.
      const content = [
        { type: 'text' as const, text: '图里是什么' },
        { type: 'image' as const, file_id: image.id },
      ]
      const done = await client.chat.createAndPoll({
        bot_id: BOT_ID,
        additional_messages: [{ role: RoleType.User, content, content_type: 'object_string' }],
      })
      expect(done.chat.status).toBe('completed')
      expect(sim.chat(done.chat.id)?.question).toBe('图里是什么')
      const sent = (heard[0] as { additional_messages: { content: string; content_type: string }[] })
        .additional_messages[0]!
      expect(sent.content_type).toBe('object_string')
      expect(JSON.parse(sent.content)).toEqual(content)
      const unknown = [{ type: 'file' as const, file_id: '7000000000000000001' }]
      await expect(
        client.chat.create({
          bot_id: BOT_ID,
          additional_messages: [{ role: RoleType.User, content: unknown, content_type: 'object_string' }],
        }),
      ).rejects.toMatchObject({ code: 4000 })
    } finally {
      sim.off('chat', onChat)
    }
  })

  it('should refuse an upload without a file with 4300', async () => {
    const res = await fetch(`${sim.url}/v1/files/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PAT}` },
      body: new FormData(),
    })
    expect(await res.json()).toMatchObject({ code: 4300 })
  })
})

describe('@coze/api bots against coze-sim', () => {
  it('should describe the published bot with prologue and suggested questions on both paths', async () => {
    const viaNew = await client.bots.retrieveNew(BOT_ID)
    expect(viaNew).toMatchObject({
      bot_id: BOT_ID,
      name: DEFAULT_BOT.name,
      description: DEFAULT_BOT.description,
      onboarding_info: {
        prologue: DEFAULT_BOT.prologue,
        suggested_questions: DEFAULT_BOT.suggestedQuestions,
      },
    })
    expect(sim.requests.at(-1)!.path).toBe(`/v1/bots/${BOT_ID}`)
    // The deprecated `retrieve` (py's default) reads /v1/bot/get_online_info.
    expect(await client.bots.retrieve({ bot_id: BOT_ID })).toEqual(viaNew)
    expect(sim.requests.at(-1)!.path).toBe(`/v1/bot/get_online_info?bot_id=${BOT_ID}`)
  })

  it('should describe the configured bot and refuse any other id with 4015', async () => {
    const own = await startTestSim({
      bot: { id: '7000000000000000001', name: '测试', prologue: '欢迎', suggestedQuestions: ['一？'] },
    })
    try {
      const sdk = new CozeAPI({ token: PAT, baseURL: own.url })
      expect(await sdk.bots.retrieveNew('7000000000000000001')).toMatchObject({
        name: '测试',
        onboarding_info: { prologue: '欢迎', suggested_questions: ['一？'] },
      })
      const err = await sdk.bots.retrieveNew(BOT_ID).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(APIError)
      expect(err).toMatchObject({ code: 4015 })
    } finally {
      await own.close()
    }
  })

  it('should answer 4101 when the API is not granted', async () => {
    sim.faults.denyApi('retrieveBot', true)
    try {
      await expect(client.bots.retrieveNew(BOT_ID)).rejects.toBeInstanceOf(PermissionDeniedError)
    } finally {
      sim.faults.denyApi('retrieveBot', false)
    }
  })
})

describe('@coze/api conversations.clear against coze-sim', () => {
  it('should start a new section and keep the history', async () => {
    const { conversation, answer } = await finishedChat()
    const section = await client.conversations.clear(conversation.id)
    expect(section).toEqual({ id: expect.stringMatching(/^\d{19}$/), conversation_id: conversation.id })
    expect(section.id).not.toBe(conversation.last_section_id)
    const after = await client.chat.createAndPoll({
      bot_id: BOT_ID,
      conversation_id: conversation.id,
      additional_messages: [{ role: RoleType.User, content: '再见', content_type: 'text' }],
    })
    const list = await client.conversations.messages.list(conversation.id, { order: 'asc' })
    const sectionOf = (chatId: string) => list.data.find((m) => m.chat_id === chatId)?.section_id
    expect(list.data.find((m) => m.id === answer.id)?.section_id).toBe(conversation.last_section_id)
    expect(sectionOf(after.chat.id)).toBe(section.id)
  })

  it('should answer 4002 for an unknown conversation', async () => {
    await expect(client.conversations.clear('1')).rejects.toMatchObject({ code: 4002 })
  })
})

describe('message feedback (py-shaped raw requests) against coze-sim', () => {
  const path = (cid: string, mid: string) => `/v1/conversations/${cid}/messages/${mid}/feedback`

  it('should store a rating of an answer, replace it, and delete it', async () => {
    const { conversation, answer } = await finishedChat()
    const like = await call(sim, 'POST', path(conversation.id, answer.id), {
      feedback_type: 'like',
      reason_types: ['reason1', 'reason2'],
      comment: 'test comment',
    })
    expect(like.body).toEqual({ code: 0, msg: '', data: {} })
    expect(sim.feedback(answer.id)).toMatchObject({
      conversationId: conversation.id,
      feedbackType: 'like',
      reasonTypes: ['reason1', 'reason2'],
      comment: 'test comment',
    })
    await call(sim, 'POST', path(conversation.id, answer.id), { feedback_type: 'unlike' })
    expect(sim.feedback(answer.id)).toMatchObject({ feedbackType: 'unlike', reasonTypes: [] })
    const removed = await call(sim, 'DELETE', path(conversation.id, answer.id))
    expect(removed.body).toEqual({ code: 0, msg: '', data: {} })
    expect(sim.feedback(answer.id)).toBeUndefined()
  })

  it('should refuse unknown ids, a question, and a bad feedback_type', async () => {
    const { conversation, answer } = await finishedChat()
    const list = await client.conversations.messages.list(conversation.id)
    const question = list.data.find((m) => m.type === 'question')!
    const cases: [string, unknown, number][] = [
      [path('1', answer.id), { feedback_type: 'like' }, 4002],
      [path(conversation.id, '1'), { feedback_type: 'like' }, 4005],
      [path(conversation.id, question.id), { feedback_type: 'like' }, 4000],
      [path(conversation.id, answer.id), { feedback_type: 'love' }, 4000],
    ]
    for (const [p, body, code] of cases) {
      expect((await call(sim, 'POST', p, body)).body, p).toMatchObject({ code })
    }
    expect((await call(sim, 'DELETE', path(conversation.id, '1'))).body).toMatchObject({ code: 4005 })
  })
})

describe('@coze/api speech limit against coze-sim', () => {
  it('should answer code 3010 for input over 1024 bytes through the SDK, and speak 1024', async () => {
    // js asks for an arraybuffer and never reads the code: an HTTP 200 error body comes back as "audio"
    // (py checks the content type and raises). The sim answers 3010 as HTTP 200 + JSON (UNVERIFIED status).
    const refused = await client.audio.speech.create({
      input: '字'.repeat(342),
      voice_id: 'v1',
      response_format: 'pcm',
    })
    expect(JSON.parse(Buffer.from(refused).toString('utf8'))).toMatchObject({ code: 3010 })
    const audio = await client.audio.speech.create({
      input: 'a' + '字'.repeat(341),
      voice_id: 'v1',
      response_format: 'pcm',
    })
    expect(Buffer.from(audio).equals(sim.speechFor('a' + '字'.repeat(341)))).toBe(true)
  })
})
