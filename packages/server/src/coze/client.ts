/**
 * A thin Coze OpenAPI client on undici (coze-protocol.md). Every call takes a credential from `auth`;
 * an auth failure drops it, refreshes once and retries once — for streams, before any byte was relayed.
 */
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici'
import { VcError } from '../errors'
import type { CozeAuth, CozeCredential } from './auth'
import { parseCozeEvent, type CozeChat, type CozeEvent, type CozeMessage } from './events'
import { createSseReader } from './sse'

export interface CozeClientOptions {
  apiBase: string
  botId: string
  auth: CozeAuth
  /** No byte from Coze for this long → the call fails (SPEC §2.2: 120 s). */
  idleTimeoutMs: number
  dispatcher?: Dispatcher
  onMalformedEvent?: (name: string) => void
}

/** Coze answered with an error body or status. `auth` marks credential problems (protocol §4.3). */
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
    return this.httpStatus === 401 || [4100, 4101, 700012006].includes(this.code)
  }
}

export interface ChatStream {
  /**
   * Delivers each event synchronously as its bytes arrive (no generator or promise per token).
   * `onEvent` returns true to stop reading. Resolves at the end of the body or once stopped; rejects
   * on a network failure or abort (as `upstreamFailure`) or with whatever `onEvent` threw.
   */
  read(onEvent: (e: CozeEvent) => boolean | void): Promise<void>
  abort(): void
}

/**
 * Request bodies get a buffer of their own: undici turns a string into a buffer-pool slice, and the
 * request lives as long as its answer streams, so each held answer would pin an 8 KB pool slab
 * (≈ 2 KB per held stream on average: bench/README.md finding 7).
 */
const encoder = new TextEncoder()

export function createCozeClient(o: CozeClientOptions) {
  // No per-origin connection cap: every open answer holds one Coze connection (a cap of 512 made the
  // 513th answer wait for a free one — bench/README.md finding 1).
  const dispatcher =
    o.dispatcher ??
    new Agent({ keepAliveTimeout: 30_000, headersTimeout: o.idleTimeoutMs, bodyTimeout: o.idleTimeoutMs })

  async function send(cred: CozeCredential, method: 'GET' | 'POST', path: string, body?: unknown) {
    try {
      return await request(o.apiBase + path, {
        method,
        dispatcher,
        headers: {
          authorization: `Bearer ${cred.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : encoder.encode(JSON.stringify(body)),
        headersTimeout: o.idleTimeoutMs,
        bodyTimeout: o.idleTimeoutMs,
      })
    } catch (err) {
      throw upstreamFailure(err)
    }
  }

  /** Reads a JSON reply; `{code≠0}` and non-2xx become CozeApiError (protocol §1.4). */
  async function json<T>(res: Dispatcher.ResponseData): Promise<T> {
    const logid = headerOf(res, 'x-tt-logid')
    const text = await res.body.text().catch((err) => {
      throw upstreamFailure(err)
    })
    let body: { code?: number; msg?: string; data?: T } | undefined
    try {
      body = JSON.parse(text)
    } catch {
      throw new CozeApiError(res.statusCode, -1, `Coze sent non-JSON (HTTP ${res.statusCode})`, logid)
    }
    if (res.statusCode >= 400 || (body?.code !== undefined && body.code !== 0)) {
      throw new CozeApiError(res.statusCode, Number(body?.code ?? -1), String(body?.msg ?? 'error'), logid)
    }
    return body?.data as T
  }

  function accepted<T>(result: T): T {
    o.auth.report('accepted')
    return result
  }

  /** Runs `call` with a credential; on an auth error refreshes once and runs it again. */
  async function withAuth<T>(call: (cred: CozeCredential) => Promise<T>): Promise<T> {
    const cred = await o.auth.getCredential()
    try {
      return accepted(await call(cred))
    } catch (err) {
      if (!(err instanceof CozeApiError && err.auth)) throw err
      await o.auth.invalidate(cred)
      const second = await o.auth.getCredential()
      try {
        return accepted(await call(second))
      } catch (err2) {
        if (err2 instanceof CozeApiError && err2.auth) {
          o.auth.report('refused')
          throw new VcError('VC_ERR_UPSTREAM_UNAVAILABLE', 'Coze refused the service credentials')
        }
        throw err2
      }
    }
  }

  return {
    createConversation: () =>
      withAuth(async (cred) => json<{ id: string }>(await send(cred, 'POST', '/v1/conversation/create', {}))),

    /** Opens the streamed chat; resolves once Coze accepted it (an SSE response), before any event. */
    streamChat(input: { conversationId: string; userId: string; question: string }): Promise<ChatStream> {
      return withAuth(async (cred) => {
        const res = await send(
          cred,
          'POST',
          `/v3/chat?conversation_id=${encodeURIComponent(input.conversationId)}`,
          {
            bot_id: o.botId,
            user_id: input.userId,
            stream: true,
            auto_save_history: true,
            additional_messages: [
              { role: 'user', type: 'question', content: input.question, content_type: 'text' },
            ],
          },
        )
        // Stream-open errors arrive as plain JSON, not SSE (protocol §7.1).
        if (res.statusCode !== 200 || !String(res.headers['content-type'] ?? '').includes('event-stream')) {
          await json(res)
          throw new CozeApiError(
            res.statusCode,
            -1,
            'Coze did not open a stream',
            headerOf(res, 'x-tt-logid'),
          )
        }
        // Destroying the body aborts the request (undici); no AbortController per answer. Only the
        // body is kept: the reply's headers are not needed for as long as the answer lasts.
        const body = res.body
        let aborted = false
        return {
          read: (onEvent) => readEvents(body, onEvent),
          abort() {
            if (aborted) return
            aborted = true
            body.on('error', () => undefined).destroy()
          },
        }
      })
    },

    cancelChat: (conversationId: string, chatId: string) =>
      withAuth(async (cred) =>
        json<CozeChat>(
          await send(cred, 'POST', '/v3/chat/cancel', { conversation_id: conversationId, chat_id: chatId }),
        ),
      ),

    retrieveChat: (conversationId: string, chatId: string) =>
      withAuth(async (cred) =>
        json<CozeChat>(await send(cred, 'GET', `/v3/chat/retrieve?${ids(conversationId, chatId)}`)),
      ),

    listChatMessages: (conversationId: string, chatId: string) =>
      withAuth(async (cred) =>
        json<CozeMessage[]>(await send(cred, 'GET', `/v3/chat/message/list?${ids(conversationId, chatId)}`)),
      ),

    close: () => dispatcher.close(),
  }

  function readEvents(body: Dispatcher.ResponseData['body'], onEvent: (e: CozeEvent) => boolean | void) {
    return new Promise<void>((resolve, reject) => {
      let done = false
      const finish = (err?: unknown) => {
        if (done) return
        done = true
        body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose)
        body.on('error', () => undefined) // a late abort of a finished stream is nobody's business
        if (err === undefined) resolve()
        else reject(err)
      }
      const reader = createSseReader((m) => {
        if (done) return
        const e = parseCozeEvent(m.event, m.data)
        if (!e) return o.onMalformedEvent?.(m.event)
        try {
          if (onEvent(e)) finish()
        } catch (err) {
          finish(err)
        }
      })
      const onData = (chunk: Uint8Array) => reader.feed(chunk)
      const onEnd = () => {
        reader.end()
        finish()
      }
      const onError = (err: unknown) => finish(upstreamFailure(err))
      // Destroyed without an error (never after 'end' or 'error', which come first).
      const onClose = () => onError(body.errored ?? new Error('the stream closed before its end'))
      body.on('data', onData).on('end', onEnd).on('error', onError).once('close', onClose)
      if (body.errored) onError(body.errored)
    })
  }
}

export type CozeClient = ReturnType<typeof createCozeClient>

const ids = (conversationId: string, chatId: string) =>
  `conversation_id=${encodeURIComponent(conversationId)}&chat_id=${encodeURIComponent(chatId)}`

const headerOf = (res: Dispatcher.ResponseData, name: string) => {
  const v = res.headers[name]
  return Array.isArray(v) ? v[0] : v
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
