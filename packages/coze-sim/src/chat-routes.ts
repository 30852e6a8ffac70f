/**
 * Chat v3 (coze-protocol.md §2): start a chat (SSE or JSON), retrieve it, list its messages, cancel it.
 * Per-request scripting comes from `[[sim:…]]` markers in the question (markers.ts).
 */
import { answerFor } from './answers'
import { parseChatRequest, questionOf, type ChatRequest, type KnownFiles } from './chat-request'
import { ChatRun, FAILED_ERROR, type RunPlan } from './chat-run'
import { submitRoute } from './chat-submit'
import { cozeText } from './coze-codes'
import { unixSeconds } from './ids'
import { observeStream, streamFaults, markersOf } from './chat-stream'
import { type HttpFault, type Markers } from './markers'
import { ApiError, isRecord, MSG, sendData } from './reply'
import type { Ctx, Route } from './router'
import { isRunning, type ConversationRec, type Store } from './store'
import { chatJson, emptyUsage, messageJson, type ChatRec } from './wire'

export interface ChatDeps {
  store: Store
  nextId: () => string
  /** Sim-wide defaults, overridden by `ttft=` / `tps=` markers. */
  timing: () => { ttftMs: number; tokensPerSecond: number }
  runs: Set<ChatRun>
  /** Uploaded files (`/v1/files/upload`): object_string items must name one of them. */
  files?: KnownFiles
}

const HTTP_FAULT_CODES: Record<HttpFault, ApiError> = {
  401: new ApiError(4100, MSG.auth, 401),
  429: new ApiError(4013, MSG.rateLimit, 429),
  500: new ApiError(5000, MSG.server, 500),
  502: new ApiError(5000, MSG.server, 502),
  503: new ApiError(5000, MSG.server, 503),
}

export function chatRoutes(d: ChatDeps): Route[] {
  function startChat(ctx: Ctx): void {
    const req = parseChatRequest(ctx.json(), d.files)
    const question = questionOf(req.additional_messages)
    const markers = markersOf(question)
    if (markers.http) throw HTTP_FAULT_CODES[markers.http]
    // Business errors are HTTP 200 + JSON even for stream requests, and no chat is created (§9 row 2).
    if (markers.code !== undefined) throw new ApiError(markers.code, cozeText(markers.code))
    if (markers.hang) return // accepted, and never a byte back: not even headers
    const conversation = conversationFor(ctx.url, req)
    if (d.store.isBusy(conversation)) throw new ApiError(4016, cozeText(4016))

    const chat = newChat(conversation, req, question)
    for (const m of req.additional_messages) d.store.addEnterMessage(conversation, m, chat)
    d.store.addChat(conversation, chat)
    const answer = answerFor(question)
    const run = new ChatRun({
      chat,
      conversation,
      answer,
      plan: planOf(markers),
      nextId: d.nextId,
      onFinish: () => d.runs.delete(run),
    })
    d.runs.add(run)
    if (req.stream) {
      observeStream(ctx, run, streamFaults(markers, !answer.action))
    }
    run.start()
    // stream:false answers at once; the answer is generated in the background (§2.6).
    if (!req.stream) sendData(ctx.res, chatJson(chat))
  }

  function conversationFor(url: URL, req: ChatRequest): ConversationRec {
    const id = url.searchParams.get('conversation_id')
    if (!id) return d.store.createConversation({ bot_id: req.bot_id })
    const conversation = d.store.conversation(id)
    if (!conversation) throw new ApiError(4002, cozeText(4002))
    return conversation
  }

  function newChat(conversation: ConversationRec, req: ChatRequest, question: string): ChatRec {
    return {
      id: d.nextId(),
      conversation_id: conversation.id,
      bot_id: req.bot_id,
      user_id: req.user_id,
      section_id: conversation.last_section_id,
      meta_data: req.meta_data,
      created_at: unixSeconds(),
      last_error: { code: 0, msg: '' },
      status: 'created',
      usage: emptyUsage(),
      question,
      stream: req.stream,
      messages: [],
      reasoning: '',
      deltas: 0,
      tool_outputs: [],
    }
  }

  function planOf(markers: Markers): RunPlan {
    const timing = d.timing()
    const failure = failureOf(markers)
    return {
      ttftMs: markers.ttft ?? timing.ttftMs,
      tokensPerSecond: markers.tps ?? timing.tokensPerSecond,
      ...(failure ? { failure } : {}),
    }
  }

  /** The chat named by `conversation_id` + `chat_id` (query for retrieve/list, body for cancel). */
  function findChat(source: Record<string, unknown>): ChatRec {
    const { conversation_id, chat_id } = source
    if (typeof conversation_id !== 'string' || typeof chat_id !== 'string') {
      throw new ApiError(4000, `${MSG.badRequest}: conversation_id and chat_id are required`)
    }
    // §9 row 9: 4002 invalid conversation, 4001 invalid chat.
    if (!d.store.conversation(conversation_id)) throw new ApiError(4002, cozeText(4002))
    const chat = d.store.findChat(conversation_id, chat_id)
    if (!chat) throw new ApiError(4001, cozeText(4001))
    return chat
  }

  const fromQuery = (ctx: Ctx) => Object.fromEntries(ctx.url.searchParams)

  function cancel(ctx: Ctx): void {
    const body = ctx.json()
    const chat = findChat(isRecord(body) ? body : {})
    // Only the state changes; the stream keeps flowing and usage is still billed (§2.7).
    if (!isRunning(chat)) throw new ApiError(4104, MSG.notCancelable)
    chat.status = 'canceled'
    sendData(ctx.res, chatJson(chat))
  }

  return [
    {
      methods: ['POST'],
      path: '/v3/chat',
      auth: true,
      api: 'chat',
      stat: 'chatCalls',
      event: 'chat',
      handle: startChat,
    },
    {
      // js and py POST, go and java GET (§2.7): accept both.
      methods: ['GET', 'POST'],
      path: '/v3/chat/retrieve',
      auth: true,
      api: 'retrieveChat',
      stat: 'retrieveCalls',
      handle: (ctx) => sendData(ctx.res, chatJson(findChat(fromQuery(ctx)))),
    },
    {
      methods: ['GET'],
      path: '/v3/chat/message/list',
      auth: true,
      api: 'listChatMessages',
      stat: 'messageListCalls',
      handle: (ctx) => sendData(ctx.res, findChat(fromQuery(ctx)).messages.map(messageJson)),
    },
    {
      methods: ['POST'],
      path: '/v3/chat/cancel',
      auth: true,
      api: 'cancelChat',
      stat: 'cancelCalls',
      event: 'cancel',
      handle: cancel,
    },
    submitRoute({ ...d, findChat }),
  ]
}

/** `error-event`, `fail`, `fail-code` (implies `fail` at half) and `drop-fail-after` (fails where it cuts). */
function failureOf(m: Markers): RunPlan['failure'] {
  if (m.errorEvent) return { kind: 'error', ...m.errorEvent }
  if (!m.fail && m.dropFailAfter === undefined && m.failCode === undefined) return undefined
  const after = m.fail?.afterDeltas ?? m.dropFailAfter
  const code = m.failCode
  return {
    kind: 'fail',
    ...(after === undefined ? {} : { afterDeltas: after }),
    ...(code === undefined ? {} : { error: { code, msg: failText(code) } }),
  }
}

/** `fail-code`: 5000 keeps the only `last_error` text seen in the sources. */
const failText = (code: number) => (code === FAILED_ERROR.code ? FAILED_ERROR.msg : cozeText(code))
