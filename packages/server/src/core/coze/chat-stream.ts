/**
 * The streamed `/v3/chat` as an undici dispatch handler: Coze's bytes go from the socket to the SSE
 * reader with no `Readable` body, `data` events or body listeners in between. One object per open
 * answer; on the token path that saves Node's stream machinery per event (bench finding B5).
 * `dispatch` is undici's low-level API (stable within a major version; STACK.md pins undici@^7).
 */
import type { Dispatcher } from 'undici'
import type { CozeEvent } from './events'
import { parseCozeEvent } from './events'
import { createSseReader, type SseReader } from './sse'

export interface ChatStream {
  /**
   * Delivers each event synchronously as its bytes arrive (no generator or promise per token).
   * `onEvent` returns true to stop reading. Resolves at the end of the body or once stopped; rejects
   * on a network failure or abort (as `upstreamFailure`) or with whatever `onEvent` threw.
   */
  read(onEvent: (e: CozeEvent) => boolean | void): Promise<void>
  /** Stops the request (Coze keeps streaming after the terminal event otherwise); idempotent. */
  abort(): void
}

export interface ChatStreamRequest {
  origin: string
  path: string
  headers: Record<string, string>
  body: Uint8Array
  timeoutMs: number
}

export interface ChatStreamHooks {
  /** A reply that is not an event stream: its status, body text and log id become the error. */
  refused(status: number, text: string, logid: string | undefined): Error
  /** A network failure or timeout, as the catalogue error the caller throws. */
  failed(err: unknown): Error
  onMalformedEvent?: (name: string) => void
}

/**
 * Resolves once Coze accepted the chat (an SSE reply), before any event is read; rejects with
 * `hooks.refused` or `hooks.failed`, already as the caller's errors.
 */
export function openChatStream(
  dispatcher: Dispatcher,
  req: ChatStreamRequest,
  hooks: ChatStreamHooks,
): Promise<ChatStream> {
  return new Promise((resolve, reject) => {
    const handler = new ChatStreamHandler(hooks, resolve, reject)
    // A closed or destroyed dispatcher reports through the handler too (onResponseError), never throws.
    dispatcher.dispatch(
      {
        origin: req.origin,
        path: req.path,
        method: 'POST',
        headers: req.headers,
        body: req.body,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      },
      handler,
    )
  })
}

/** Longest error body kept: Coze's error replies are short JSON. */
const MAX_ERROR_BODY = 64 * 1024

type Phase = 'opening' | 'refused' | 'streaming' | 'ended'

class ChatStreamHandler implements Dispatcher.DispatchHandler, ChatStream {
  private phase: Phase = 'opening'
  private controller: Dispatcher.DispatchController | undefined
  private aborted = false
  /** The refused reply's body, or chunks that arrived before `read()` (rare: same tick as the open). */
  private chunks: Buffer[] | undefined
  private status = 0
  private errorBytes = 0
  private logid: string | undefined
  private reader: SseReader | undefined
  private onEvent: ((e: CozeEvent) => boolean | void) | undefined
  private settle: { resolve(): void; reject(err: unknown): void } | undefined
  /** How the body ended before `read()` was called: true, or the failure. */
  private early: true | Error | undefined
  private done = false

  constructor(
    private readonly hooks: ChatStreamHooks,
    private opened: ((s: ChatStream) => void) | undefined,
    private refuse: ((err: unknown) => void) | undefined,
  ) {}

  // ── ChatStream ──────────────────────────────────────────────────────────────────────────────

  read(onEvent: (e: CozeEvent) => boolean | void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject }
      this.onEvent = onEvent
      this.reader = createSseReader((m) => this.message(m.event, m.data))
      const queued = this.chunks
      this.chunks = undefined
      // Aborted before anyone read: what had arrived is not delivered (the body was dropped before).
      if (!this.aborted) for (const chunk of queued ?? []) if (!this.done) this.reader.feed(chunk)
      if (this.early === true) this.end()
      else if (this.early) this.finish(this.early)
    })
  }

  abort() {
    if (this.aborted) return
    this.aborted = true
    this.controller?.abort(new Error('the answer stopped reading'))
  }

  // ── undici's DispatchHandler ───────────────────────────────────────────────────────────────

  onRequestStart(controller: Dispatcher.DispatchController) {
    this.controller = controller
    if (this.aborted) controller.abort(new Error('the answer stopped reading'))
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ) {
    // The controller would keep the raw header buffers (and the socket read they are cut from) for
    // as long as the answer streams: ≈ 1.4 KB per held stream. `headers` is the parsed copy.
    controller.rawHeaders = null
    if (statusCode < 200) return // 1xx: the real reply follows
    const type = String(headers['content-type'] ?? '')
    if (statusCode === 200 && type.includes('event-stream')) {
      this.phase = 'streaming'
      this.opened?.(this)
      this.opened = this.refuse = undefined
      return
    }
    // Stream-open errors arrive as plain JSON, not SSE (coze-protocol.md §7.1).
    this.phase = 'refused'
    this.status = statusCode
    const logid = headers['x-tt-logid']
    this.logid = Array.isArray(logid) ? logid[0] : logid
    this.chunks = []
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer) {
    if (this.phase === 'refused') {
      if (this.errorBytes < MAX_ERROR_BODY) this.chunks!.push(chunk)
      this.errorBytes += chunk.length
    } else if (this.reader) this.reader.feed(chunk)
    else if (!this.done) (this.chunks ??= []).push(chunk) // before read(); after the end, dropped
  }

  onResponseEnd() {
    if (this.phase === 'refused') {
      const text = Buffer.concat(this.chunks ?? []).toString('utf8')
      this.chunks = undefined
      return this.fail(this.hooks.refused(this.status, text, this.logid))
    }
    this.phase = 'ended'
    if (this.reader) this.end()
    else this.early = true
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error) {
    const failure = this.hooks.failed(err)
    if (this.phase === 'opening' || this.phase === 'refused') return this.fail(failure)
    this.phase = 'ended'
    if (this.settle) this.finish(failure)
    else this.early ??= failure
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  private message(name: string, data: string) {
    if (this.done) return
    const e = parseCozeEvent(name, data)
    if (!e) return this.hooks.onMalformedEvent?.(name)
    try {
      if (this.onEvent!(e)) this.finish()
    } catch (err) {
      this.finish(err)
    }
  }

  /** The body ended: a last message without its blank line still counts. */
  private end() {
    if (!this.done) this.reader!.end()
    this.finish()
  }

  private finish(err?: unknown) {
    if (this.done) return
    this.done = true
    this.reader = undefined
    this.onEvent = undefined
    if (err === undefined) this.settle!.resolve()
    else this.settle!.reject(err)
  }

  private fail(err: Error) {
    this.refuse?.(err)
    this.opened = this.refuse = undefined
  }
}
