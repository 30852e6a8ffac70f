/**
 * A thin Coze OpenAPI client on undici (coze-protocol.md). Every call takes a credential from `auth`;
 * an auth failure drops it, refreshes once and retries once — for streams, before any byte was relayed.
 */
import { Agent, FormData, errors as undiciErrors, request, type Dispatcher } from 'undici'
import { VcError } from '../errors'
import type { CozeApiName, CozeAuth, CozeCredential } from './auth'
import { openChatStream, type ChatStream, type ChatStreamHooks } from './chat-stream'
import type { CozeChat, CozeMessage } from './events'

export type { ChatStream } from './chat-stream'

export interface CozeClientOptions {
  apiBase: string
  botId: string
  auth: CozeAuth
  /** No byte from Coze for this long → the call fails (SPEC §2.2: 120 s). */
  idleTimeoutMs: number
  dispatcher?: Dispatcher
  onMalformedEvent?: (name: string) => void
}

/**
 * Coze answered with an error body or status. `auth` marks credential problems (protocol §4.3): HTTP 401,
 * 4100 and 700012006 (chat-sdk's "token failed"). 4101 is not one: the credential lacks one API
 * (protocol §9 row 1), so it is `forbidden` and never drops the credential.
 */
export class CozeApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
    readonly logid?: string,
  ) {
    super(message)
    this.name = 'CozeApiError'
  }
  get auth() {
    return this.httpStatus === 401 || this.code === 4100 || this.code === 700012006
  }
  get forbidden() {
    return this.code === 4101
  }
}

/**
 * Request bodies get a buffer of their own: undici turns a string into a buffer-pool slice, and the
 * request lives as long as its answer streams, so each held answer would pin an 8 KB pool slab
 * (≈ 2 KB per held stream on average: bench finding B7).
 */
const encoder = new TextEncoder()

export function createCozeClient(o: CozeClientOptions) {
  // No per-origin connection cap: every open answer holds one Coze connection (a cap of 512 made the
  // 513th answer wait for a free one — bench finding B1).
  const dispatcher =
    o.dispatcher ??
    new Agent({ keepAliveTimeout: 30_000, headersTimeout: o.idleTimeoutMs, bodyTimeout: o.idleTimeoutMs })
  // The streamed chat is dispatched with an origin and a path; an API base may carry a path prefix.
  const base = new URL(o.apiBase)
  const api = { origin: base.origin, prefix: base.pathname.replace(/\/+$/, '') }

  /** `body`: JSON, or a multipart form (undici sets its content type and boundary). */
  async function send(cred: CozeCredential, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
    const form = body instanceof FormData
    try {
      return await request(o.apiBase + path, {
        method,
        dispatcher,
        headers: {
          authorization: `Bearer ${cred.token}`,
          ...(body === undefined || form ? {} : { 'content-type': 'application/json' }),
        },
        body: form ? body : body === undefined ? undefined : encoder.encode(JSON.stringify(body)),
        headersTimeout: o.idleTimeoutMs,
        bodyTimeout: o.idleTimeoutMs,
      })
    } catch (err) {
      throw upstreamFailure(err)
    }
  }

  /** Reads a JSON reply; `{code≠0}` and non-2xx become CozeApiError (protocol §1.4). */
  async function json<T>(res: Dispatcher.ResponseData): Promise<T> {
    const text = await res.body.text().catch((err) => {
      throw upstreamFailure(err)
    })
    return replyData<T>(res.statusCode, text, headerOf(res.headers, 'x-tt-logid'))
  }

  const streamHooks: ChatStreamHooks = {
    refused(status, text, logid) {
      try {
        replyData(status, text, logid)
      } catch (err) {
        return err as Error
      }
      return new CozeApiError(status, -1, 'Coze did not open a stream', logid)
    },
    failed: upstreamFailure,
    onMalformedEvent: o.onMalformedEvent,
  }

  function accepted<T>(result: T): T {
    o.auth.report('accepted')
    return result
  }

  /**
   * Runs `call` with a credential; on an auth error refreshes once and runs it again. `api` names the
   * Coze API for the per-API refusal count (a 4101 fails this call only).
   */
  async function withAuth<T>(api: CozeApiName, call: (cred: CozeCredential) => Promise<T>): Promise<T> {
    const cred = await o.auth.getCredential()
    try {
      return accepted(await call(cred))
    } catch (err) {
      if (err instanceof CozeApiError && err.forbidden) o.auth.forbidden(api)
      if (!(err instanceof CozeApiError && err.auth)) throw err
      await o.auth.invalidate(cred)
      const second = await o.auth.getCredential()
      try {
        return accepted(await call(second))
      } catch (err2) {
        if (err2 instanceof CozeApiError && err2.forbidden) o.auth.forbidden(api)
        if (err2 instanceof CozeApiError && err2.auth) {
          o.auth.report('refused')
          throw new VcError('VC_ERR_UPSTREAM_UNAVAILABLE', 'Coze refused the service credentials')
        }
        throw err2
      }
    }
  }

  /** A streamed chat call (`/v3/chat`, its `submit_tool_outputs`): resolves once Coze accepted it. */
  function stream(apiName: CozeApiName, path: string, body: Uint8Array): Promise<ChatStream> {
    return withAuth(apiName, async (cred) => {
      const headers = { authorization: `Bearer ${cred.token}`, 'content-type': 'application/json' }
      const req = { origin: api.origin, path, headers, body, timeoutMs: o.idleTimeoutMs }
      return openChatStream(dispatcher, req, streamHooks)
    })
  }

  return {
    /** `name` (≤ 100 characters, protocol §9 row 10) lists the conversation per bot in Coze's console. */
    createConversation: (name?: string) =>
      withAuth('createConversation', async (cred) =>
        json<{ id: string }>(
          await send(cred, 'POST', '/v1/conversation/create', {
            bot_id: o.botId,
            ...(name ? { name: [...name].slice(0, 100).join('') } : {}),
          }),
        ),
      ),

    /** Opens the streamed chat; resolves once Coze accepted it (an SSE response), before any event. */
    streamChat(input: {
      conversationId: string
      userId: string
      question: string
      /** The session's `variables` (SPEC §2.1): the bot's variables for this user. */
      customVariables?: Record<string, string>
      /** Uploaded files (SPEC §2.4): the question then goes as one `object_string` message. */
      attachments?: readonly { kind: 'image' | 'file'; cozeFileId: string }[]
    }): Promise<ChatStream> {
      const variables = input.customVariables
      const body = encoder.encode(
        JSON.stringify({
          bot_id: o.botId,
          user_id: input.userId,
          stream: true,
          auto_save_history: true,
          ...(variables && Object.keys(variables).length ? { custom_variables: variables } : {}),
          additional_messages: [questionMessage(input.question, input.attachments)],
        }),
      )
      const path = `${api.prefix}/v3/chat?conversation_id=${encodeURIComponent(input.conversationId)}`
      return stream('chat', path, body)
    },

    /**
     * Continues a chat waiting in `requires_action` (coze-protocol §9 row 3): the outputs of its tool
     * calls, or the user's reply to a question node. Streamed exactly like `/v3/chat`.
     */
    submitToolOutputs(input: {
      conversationId: string
      chatId: string
      outputs: { toolCallId: string; output: string }[]
    }): Promise<ChatStream> {
      const body = encoder.encode(
        JSON.stringify({
          stream: true,
          tool_outputs: input.outputs.map((t) => ({ tool_call_id: t.toolCallId, output: t.output })),
        }),
      )
      const path = `${api.prefix}/v3/chat/submit_tool_outputs?${ids(input.conversationId, input.chatId)}`
      return stream('submitToolOutputs', path, body)
    },

    cancelChat: (conversationId: string, chatId: string) =>
      withAuth('cancelChat', async (cred) =>
        json<CozeChat>(
          await send(cred, 'POST', '/v3/chat/cancel', { conversation_id: conversationId, chat_id: chatId }),
        ),
      ),

    retrieveChat: (conversationId: string, chatId: string) =>
      withAuth('retrieveChat', async (cred) =>
        json<CozeChat>(await send(cred, 'GET', `/v3/chat/retrieve?${ids(conversationId, chatId)}`)),
      ),

    listChatMessages: (conversationId: string, chatId: string) =>
      withAuth('listChatMessages', async (cred) =>
        json<CozeMessage[]>(await send(cred, 'GET', `/v3/chat/message/list?${ids(conversationId, chatId)}`)),
      ),

    /**
     * The published bot's metadata (protocol §9 row 11, `get_metadata_of_published_bot`): the welcome is
     * its `onboarding_info`.
     */
    retrieveBot: () =>
      withAuth('retrieveBot', async (cred) =>
        json<CozeBotInfo>(await send(cred, 'GET', `/v1/bots/${encodeURIComponent(o.botId)}`)),
      ),

    /** A new section: later chats start with a fresh context, the messages stay (protocol §3). */
    clearConversation: (conversationId: string) =>
      withAuth('clearConversation', async (cred) =>
        json<{ id: string; conversation_id: string }>(
          await send(cred, 'POST', `/v1/conversations/${encodeURIComponent(conversationId)}/clear`),
        ),
      ),

    /**
     * Rates one of Coze's answer messages (protocol §9 row 11, `message_feedback`): `like`/`unlike`, or
     * `null` to remove the rating (`DELETE` on the same path). Needs Coze's answer message id, not the chat id.
     */
    messageFeedback: (input: {
      conversationId: string
      messageId: string
      rating: 'like' | 'unlike' | null
      comment?: string
    }) =>
      withAuth('messageFeedback', async (cred) => {
        const path =
          `/v1/conversations/${encodeURIComponent(input.conversationId)}` +
          `/messages/${encodeURIComponent(input.messageId)}/feedback`
        if (input.rating === null) return json<unknown>(await send(cred, 'DELETE', path))
        const body = { feedback_type: input.rating, ...(input.comment ? { comment: input.comment } : {}) }
        return json<unknown>(await send(cred, 'POST', path, body))
      }),

    /**
     * Uploads one file (protocol §9 row 11, `upload_files`): multipart field `file`; answers Coze's File
     * `{id, bytes, created_at, file_name}`. The id goes into an `object_string` question.
     */
    uploadFile: (file: { bytes: Uint8Array; name: string; mime: string }) =>
      withAuth('uploadFile', async (cred) => {
        const form = new FormData()
        form.append('file', new Blob([file.bytes], { type: file.mime }), file.name)
        return json<CozeFile>(await send(cred, 'POST', '/v1/files/upload', form))
      }),

    close: () => dispatcher.close(),
  }
}

/** Coze's File object (js `FileObject`, py `File`). */
export interface CozeFile {
  id: string
  bytes: number
  created_at: number
  file_name: string
}

/**
 * The user's question: plain text, or with attachments one `object_string` message whose content is the
 * JSON of its items (js `ObjectStringItem`): the text (when any), then an `image`/`file` per attachment.
 */
function questionMessage(question: string, attachments?: readonly { kind: string; cozeFileId: string }[]) {
  if (!attachments?.length) {
    return { role: 'user', type: 'question', content: question, content_type: 'text' }
  }
  const items = [
    ...(question ? [{ type: 'text', text: question }] : []),
    ...attachments.map((a) => ({ type: a.kind, file_id: a.cozeFileId })),
  ]
  return { role: 'user', type: 'question', content: JSON.stringify(items), content_type: 'object_string' }
}

export type CozeClient = ReturnType<typeof createCozeClient>

/** The part of Coze's BotInfo the service reads (js `BotInfo`, py `Bot`). */
export interface CozeBotInfo {
  bot_id: string
  name?: string
  onboarding_info?: { prologue?: string; suggested_questions?: string[] }
}

const ids = (conversationId: string, chatId: string) =>
  `conversation_id=${encodeURIComponent(conversationId)}&chat_id=${encodeURIComponent(chatId)}`

const headerOf = (headers: Record<string, string | string[] | undefined>, name: string) => {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** A reply's JSON envelope: `{code≠0}` and non-2xx become CozeApiError (protocol §1.4). */
function replyData<T>(status: number, text: string, logid: string | undefined): T {
  let body: { code?: number; msg?: string; data?: T } | undefined
  try {
    body = JSON.parse(text)
  } catch {
    throw new CozeApiError(status, -1, `Coze sent non-JSON (HTTP ${status})`, logid)
  }
  if (status >= 400 || (body?.code !== undefined && body.code !== 0)) {
    throw new CozeApiError(status, Number(body?.code ?? -1), String(body?.msg ?? 'error'), logid)
  }
  return body?.data as T
}

/** Network-level failures as catalogue errors: timeouts → 504, anything else → 503/502. */
export function upstreamFailure(err: unknown): Error {
  if (err instanceof VcError || err instanceof CozeApiError) return err
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new VcError('VC_ERR_UPSTREAM_TIMEOUT')
  }
  const code = (err as { code?: string }).code
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new VcError('VC_ERR_UPSTREAM_UNAVAILABLE')
  }
  if ((err as Error).name === 'AbortError') return err as Error
  return new VcError(
    'VC_ERR_UPSTREAM_INTERRUPTED',
    `Coze connection failed: ${(err as Error).message}`.slice(0, 300),
  )
}
