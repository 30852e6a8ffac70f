/**
 * SSE over `fetch` + a reader, since `POST /api/chat/send` cannot use `EventSource`.
 * Parsing follows the HTML spec's "event stream interpretation"
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 */
export interface SseEvent {
  /** The last event ID at dispatch time (it persists across events, as in `EventSource`). */
  id: string
  event: string
  data: string
}

/** Line-level parser; feed it decoded text in any split, call `end()` when the body ends. */
export function createSseParser(onEvent: (e: SseEvent) => void) {
  let buffer = ''
  let skipLf = false // a CR ended the previous chunk: a LF starting this one belongs to it
  let data = ''
  let hasData = false
  let type = ''
  let lastId = ''

  function line(text: string) {
    if (text === '') return dispatch()
    if (text.startsWith(':')) return // comment, e.g. the server's `: ping`
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') type = value
    else if (field === 'data') {
      data += value + '\n'
      hasData = true
    } else if (field === 'id' && !value.includes('\0')) lastId = value
    // `retry` and unknown fields are ignored: reconnection timing is ours (followStream)
  }

  function dispatch() {
    if (hasData) onEvent({ id: lastId, event: type || 'message', data: data.slice(0, -1) })
    data = ''
    hasData = false
    type = ''
  }

  return {
    feed(chunk: string) {
      if (skipLf && chunk.startsWith('\n')) chunk = chunk.slice(1)
      skipLf = false
      buffer += chunk
      let start = 0
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i]
        if (c !== '\r' && c !== '\n') continue
        line(buffer.slice(start, i))
        if (c === '\r') {
          if (i + 1 === buffer.length) skipLf = true
          else if (buffer[i + 1] === '\n') i++
        }
        start = i + 1
      }
      buffer = buffer.slice(start)
    },
    /** End of body: an event without its blank line is discarded, as the spec says. */
    end() {
      buffer = ''
      data = ''
      hasData = false
      type = ''
    },
    get lastEventId() {
      return lastId
    },
  }
}

/**
 * Reads an SSE body as an async iterator. One `TextDecoder` with `{stream:true}` so a Chinese
 * character split across chunks decodes once whole.
 * @example for await (const ev of readSse(res.body!)) console.log(ev.event, ev.data)
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8')
  const queue: SseEvent[] = []
  const parser = createSseParser((e) => queue.push(e))
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) {
        parser.feed(decoder.decode())
        parser.end()
        return
      }
      parser.feed(decoder.decode(value, { stream: true }))
      while (queue.length) yield queue.shift()!
    }
  } finally {
    // Stops the download when the consumer breaks out early; harmless after the end.
    await reader.cancel().catch(() => undefined)
  }
}

/** `<messageId>:<seq>` (SPEC §2.2) */
export function parseEventId(id: string): { messageId: string; seq: number } | undefined {
  const at = id.lastIndexOf(':')
  if (at <= 0) return undefined
  const seq = Number(id.slice(at + 1))
  return Number.isInteger(seq) && seq >= 0 ? { messageId: id.slice(0, at), seq } : undefined
}

export interface FollowOptions {
  /** Opens the stream (`POST /api/chat/send`, or a resume when attaching to a running answer). */
  open: () => Promise<Response>
  /** `GET /api/chat/stream/:messageId` with `Last-Event-ID` (SPEC §2.3). */
  resume: (messageId: string, lastEventId: string) => Promise<Response>
  /** A drop before any event id is known re-opens instead (safe: `clientMessageId` is idempotent). */
  isFinal: (e: SseEvent) => boolean
  /** Whether an error from `open`/`resume` during a reconnect is worth another try. */
  isRetryable: (err: unknown) => boolean
  sleep: (ms: number) => Promise<void>
  maxAttempts?: number
  baseDelayMs?: number
  onReconnect?: (attempt: number) => void
}

export class StreamDroppedError extends Error {
  override name = 'StreamDroppedError'
}

/**
 * Yields every event of one answer, reconnecting with exponential backoff when the stream ends or
 * fails before a final event. Errors of the first `open()` are thrown as they are.
 */
export async function* followStream(opts: FollowOptions): AsyncGenerator<SseEvent> {
  const maxAttempts = opts.maxAttempts ?? 5
  const base = opts.baseDelayMs ?? 500
  let lastId = ''
  let attempt = 0
  let res = await opts.open()
  for (;;) {
    try {
      for await (const ev of readSse(res.body!)) {
        attempt = 0 // progress resets the budget
        if (ev.id) lastId = ev.id
        yield ev
        if (opts.isFinal(ev)) return
      }
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err
    }
    res = await reconnect()
  }

  async function reconnect(): Promise<Response> {
    for (;;) {
      attempt++
      if (attempt > maxAttempts)
        throw new StreamDroppedError('The answer stream dropped and could not be resumed')
      opts.onReconnect?.(attempt)
      await opts.sleep(base * 2 ** (attempt - 1))
      const target = parseEventId(lastId)
      try {
        return target ? await opts.resume(target.messageId, lastId) : await opts.open()
      } catch (err) {
        if (!opts.isRetryable(err)) throw err
      }
    }
  }
}
