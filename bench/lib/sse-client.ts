/**
 * The load generator's HTTP side: undici requests on one Agent, and a small streaming SSE reader that
 * stamps each event with its arrival time (all events of one TCP read share that read's time).
 */
import { performance } from 'node:perf_hooks'
import { Agent, request, type Dispatcher } from 'undici'

/**
 * No per-origin connection cap, no body or header timeouts: every deadline is the bench's own. Idle
 * sockets are dropped after 4 s, before Node's servers close theirs (5 s): reusing a socket the server
 * is closing fails with "other side closed", a client artefact the bench must not count.
 */
export const agent = new Agent({
  connections: null,
  pipelining: 1,
  keepAliveTimeout: 4_000,
  keepAliveMaxTimeout: 4_000,
  headersTimeout: 0,
  bodyTimeout: 0,
  connect: { timeout: 30_000 },
})

export interface SseHandlers {
  /** One event; return `'stop'` to close the connection (the answer is not read to its end). */
  onEvent(name: string, data: string, at: number): void | 'stop'
  onComment?(text: string, at: number): void
}

export interface SseResult {
  status: number
  /** The body of a non-2xx answer (an error envelope), cut to 500 characters. */
  errorBody?: string
  startedAt: number
  endedAt: number
  /** The connection was closed by us (`'stop'`, the signal) rather than by the server. */
  stopped: boolean
  headers: Record<string, string | string[] | undefined>
}

export async function sseRequest(
  o: {
    url: string
    method: 'GET' | 'POST'
    headers: Record<string, string>
    body?: string
    signal?: AbortSignal
    dispatcher?: Dispatcher
  } & SseHandlers,
): Promise<SseResult> {
  const startedAt = performance.now()
  const res = await request(o.url, {
    method: o.method,
    headers: o.headers,
    body: o.body,
    signal: o.signal,
    dispatcher: o.dispatcher ?? agent,
  })
  const base = { status: res.statusCode, startedAt, headers: res.headers }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    const text = await res.body.text().catch((err: Error) => `(body unreadable: ${err.message})`)
    return { ...base, errorBody: text.slice(0, 500), endedAt: performance.now(), stopped: false }
  }
  let buffer = ''
  let stopped = false
  const body = res.body
  body.setEncoding('utf8')
  await new Promise<void>((resolve, reject) => {
    const stop = () => {
      stopped = true
      body.destroy()
      resolve()
    }
    body.on('data', (chunk: string) => {
      if (stopped) return
      const at = performance.now()
      buffer += chunk
      let end: number
      while (!stopped && (end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (dispatchBlock(block, at, o) === 'stop') stop()
      }
    })
    body.on('end', resolve)
    body.on('close', resolve)
    body.on('error', (err: Error) => (stopped || o.signal?.aborted ? resolve() : reject(err)))
  })
  return { ...base, endedAt: performance.now(), stopped: stopped || !!o.signal?.aborted }
}

function dispatchBlock(block: string, at: number, h: SseHandlers): void | 'stop' {
  let name = ''
  let data: string | undefined
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      h.onComment?.(line.slice(1).trim(), at)
      continue
    }
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') name = value
    else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`
  }
  if (data === undefined && !name) return
  return h.onEvent(name || 'message', data ?? '', at)
}

/** A JSON request (not streamed); throws with the status and body on a non-2xx answer. */
export async function jsonRequest<T>(
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
): Promise<T> {
  const res = await request(url, { method, headers, body, dispatcher: agent })
  const text = await res.body.text()
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new Error(`${method} ${new URL(url).pathname} → HTTP ${res.statusCode}: ${text.slice(0, 300)}`)
  }
  return JSON.parse(text) as T
}
