/**
 * `POST /v3/chat/submit_tool_outputs?conversation_id=&chat_id=` (coze-protocol.md §9 row 3): the client's
 * outputs for the tool calls of a chat waiting in `requires_action` (a function's result, or the user's
 * reply to a question node). The SAME chat continues, streamed like `/v3/chat` (or the Chat as JSON
 * when `stream` is false).
 */
import { answerFor } from './answers'
import type { ChatDeps } from './chat-routes'
import { markersOf, observeStream, streamFaults } from './chat-stream'
import { cozeText } from './coze-codes'
import { ApiError, isRecord, MSG, sendData } from './reply'
import type { Ctx, Route } from './router'
import { chatJson, type ChatRec } from './wire'

export interface SubmitDeps extends ChatDeps {
  findChat(source: Record<string, unknown>): ChatRec
}

interface ToolOutput {
  tool_call_id: string
  output: string
}

/** UNVERIFIED: Coze's code for outputs it cannot take; 4000 is its "request parameter error". */
const notAccepted = (why: string) => new ApiError(4000, `${cozeText(4000)}: ${why}`)

export function submitRoute(d: SubmitDeps): Route {
  function submit(ctx: Ctx): void {
    const chat = d.findChat(Object.fromEntries(ctx.url.searchParams))
    const { outputs, stream } = parseBody(ctx.json())
    const run = [...d.runs].find((r) => r.chatId === chat.id)
    const pending = chat.status === 'requires_action' && run ? chat.required_action : undefined
    if (!pending) throw notAccepted('the chat is not waiting for tool outputs')
    const calls = pending.submit_tool_outputs.tool_calls
    const unknown = outputs.find((o) => !calls.some((c) => c.id === o.tool_call_id))
    if (unknown) throw notAccepted(`tool_call_id ${unknown.tool_call_id} is not a pending tool call`)
    if (calls.some((c) => !outputs.some((o) => o.tool_call_id === c.id)))
      throw notAccepted('every pending tool call needs an output')
    const conversation = d.store.conversation(chat.conversation_id)!
    if (d.store.isBusy(conversation)) throw new ApiError(4016, cozeText(4016))

    chat.tool_outputs.push(...outputs)
    conversation.activeChatId = chat.id
    const markers = markersOf(chat.question)
    if (stream) observeStream(ctx, run!, streamFaults(markers, true))
    run!.resume(answerFor(chat.question, outputs.map((o) => o.output).join('\n')))
    if (!stream) sendData(ctx.res, chatJson(chat))
  }

  return {
    methods: ['POST'],
    path: '/v3/chat/submit_tool_outputs',
    auth: true,
    api: 'submitToolOutputs',
    stat: 'submitToolOutputsCalls',
    event: 'submit',
    handle: submit,
  }
}

function parseBody(body: unknown): { outputs: ToolOutput[]; stream: boolean } {
  const bad = (why: string) => new ApiError(4000, `${MSG.badRequest}: ${why}`)
  if (!isRecord(body)) throw bad('body must be a JSON object')
  const { tool_outputs, stream } = body
  if (stream !== undefined && typeof stream !== 'boolean') throw bad('stream must be a boolean')
  if (!Array.isArray(tool_outputs) || tool_outputs.length === 0) throw bad('tool_outputs is required')
  const outputs = tool_outputs.map((t: unknown) => {
    if (!isRecord(t) || typeof t.tool_call_id !== 'string' || typeof t.output !== 'string')
      throw bad('each tool output needs a string tool_call_id and output')
    return { tool_call_id: t.tool_call_id, output: t.output }
  })
  return { outputs, stream: stream ?? false }
}
