/**
 * The official `@coze/api` SDK against the sim's chat behaviours (coze-protocol.md §9 rows 2, 3, 4, 9,
 * 10): what the SDK's parsers accept here, they accept from Coze.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChatEventType, ChatStatus, CozeAPI, RoleType, type StreamChatData } from '@coze/api'
import { BOT_ID, PAT, startTestSim } from './test-support'
import type { CozeSim } from './types'

let sim: CozeSim
let client: CozeAPI
const ask = (content: string) => [{ role: RoleType.User, content, content_type: 'text' as const }]

beforeAll(async () => {
  sim = await startTestSim()
  client = new CozeAPI({ token: PAT, baseURL: sim.url })
})
afterAll(() => sim.close())

async function collect(stream: AsyncIterable<StreamChatData>) {
  const parts: StreamChatData[] = []
  for await (const part of stream) parts.push(part)
  return parts
}

const chatOf = (parts: StreamChatData[], event: ChatEventType) =>
  parts.find((p) => p.event === event)!.data as { id: string; conversation_id: string; required_action?: any } // eslint-disable-line @typescript-eslint/no-explicit-any -- SDK type keeps it private

describe('@coze/api and Coze chat behaviours', () => {
  it('should read code= on chat.stream as one error event with the code and Coze text', async () => {
    // A 2xx JSON body to a stream request: the SDK yields it as an `error` event (it throws only for non-2xx).
    for (const [code, text] of [
      [4020, /RPM limit/],
      [4028, /credits/],
    ] as const) {
      const parts = await collect(
        client.chat.stream({ bot_id: BOT_ID, additional_messages: ask(`错误 [[sim:code=${code}]]`) }),
      )
      expect(parts).toEqual([
        {
          event: ChatEventType.ERROR,
          data: expect.objectContaining({ code, msg: expect.stringMatching(text) }),
        },
      ])
    }
  })

  it('should stream a card and two answers with their content types', async () => {
    const question = 'SDK 卡片 [[sim:card,answers=2]]'
    const parts = await collect(client.chat.stream({ bot_id: BOT_ID, additional_messages: ask(question) }))
    const completed = parts
      .filter((p) => p.event === ChatEventType.CONVERSATION_MESSAGE_COMPLETED)
      .map((p) => p.data as { type: string; content_type: string; content: string })
      .filter((m) => m.type === 'answer')
    expect(completed.map((m) => m.content_type)).toEqual(['card', 'text', 'text'])
    expect(completed.map((m) => m.content)).toEqual(sim.answerFor(question).messages.map((m) => m.content))
  })

  it('should stop at requires_action, retrieve it, refuse cancel (4104), and continue with submitToolOutputs (stream)', async () => {
    const question = 'SDK 提问 [[sim:ask]]'
    const parts = await collect(client.chat.stream({ bot_id: BOT_ID, additional_messages: ask(question) }))
    expect(parts.slice(-2).map((p) => p.event)).toEqual([
      ChatEventType.CONVERSATION_CHAT_REQUIRES_ACTION,
      ChatEventType.DONE,
    ])
    const chat = chatOf(parts, ChatEventType.CONVERSATION_CHAT_REQUIRES_ACTION)
    const retrieved = await client.chat.retrieve(chat.conversation_id, chat.id)
    expect(retrieved.status).toBe(ChatStatus.REQUIRES_ACTION)
    const [toolCall] = retrieved.required_action!.submit_tool_outputs.tool_calls
    expect(toolCall).toMatchObject({ type: 'reply_message' })
    await expect(client.chat.cancel(chat.conversation_id, chat.id)).rejects.toMatchObject({ code: 4104 })

    const more = await collect(
      client.chat.submitToolOutputs({
        conversation_id: chat.conversation_id,
        chat_id: chat.id,
        stream: true,
        tool_outputs: [{ tool_call_id: toolCall!.id, output: '订单 B7' }],
      }),
    )
    expect(more.at(-2)!).toMatchObject({
      event: ChatEventType.CONVERSATION_CHAT_COMPLETED,
      data: { id: chat.id },
    })
    const text = more
      .filter((p) => p.event === ChatEventType.CONVERSATION_MESSAGE_DELTA)
      .map((p) => (p.data as { content: string }).content)
      .join('')
    expect(text).toBe(sim.answerFor(question, '订单 B7').text)
    expect((await client.chat.retrieve(chat.conversation_id, chat.id)).status).toBe(ChatStatus.COMPLETED)
  })

  it('should take a function output with submitToolOutputs (stream:false) and finish the same chat', async () => {
    const question = 'SDK 工具 [[sim:tool=my_orders]]'
    const parts = await collect(client.chat.stream({ bot_id: BOT_ID, additional_messages: ask(question) }))
    const chat = chatOf(parts, ChatEventType.CONVERSATION_CHAT_REQUIRES_ACTION)
    const [toolCall] = chat.required_action.submit_tool_outputs.tool_calls
    expect(toolCall.function).toEqual({ name: 'my_orders', arguments: expect.any(String) })
    const result = await client.chat
      .submitToolOutputs({
        conversation_id: chat.conversation_id,
        chat_id: chat.id,
        stream: false,
        tool_outputs: [{ tool_call_id: toolCall.id, output: '{"orders":[1]}' }],
      })
      .next()
    expect(result).toMatchObject({ done: true, value: { id: chat.id, status: ChatStatus.IN_PROGRESS } })
    await expect
      .poll(async () => (await client.chat.retrieve(chat.conversation_id, chat.id)).status)
      .toBe(ChatStatus.COMPLETED)
    const messages = await client.chat.messages.list(chat.conversation_id, chat.id)
    expect(messages.find((m) => m.type === 'answer')!.content).toBe(
      sim.answerFor(question, '{"orders":[1]}').text,
    )
  })

  it('should create a conversation with bot_id and name, and answer 4002/4001 for unknown ids', async () => {
    const conversation = await client.conversations.create({ bot_id: BOT_ID, name: '订单咨询' } as {
      bot_id: string
    })
    expect(sim.conversation(conversation.id)).toMatchObject({ botId: BOT_ID, name: '订单咨询' })
    await expect(client.chat.retrieve('7000000000000000000', '1')).rejects.toMatchObject({ code: 4002 })
    await expect(client.chat.retrieve(conversation.id, '7000000000000000000')).rejects.toMatchObject({
      code: 4001,
    })
  })
})
