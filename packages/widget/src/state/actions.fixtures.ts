/** Fakes for the actions tests: a scripted `fetch`, SSE text builders, a stream written step by step. */
import { expect, vi } from 'vitest'
import { createChat, type ChatDeps } from './actions'

export const waitFor = (check: () => void) => vi.waitFor(check, { interval: 1 })
type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>
const enc = new TextEncoder()

/** A stream the test writes to step by step, so "progressive" needs no timing. */
export function controlledStream() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) })
  return {
    response: () => new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } }),
    write: (s: string) => ctl.enqueue(enc.encode(s)),
    close: () => ctl.close(),
    fail: () => ctl.error(new TypeError('network reset')),
  }
}

export const sse = (...events: [number, string, object][]) =>
  events
    .map(([seq, event, data]) => `id: m1:${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    .join('')
export const META: [number, string, object] = [0, 'meta', { messageId: 'm1', conversationId: 'c1' }]
export const DONE = (seq: number): [number, string, object] => [seq, 'done', { status: 'completed' }]
export const streamOf = (text: string) =>
  new Response(text, { headers: { 'Content-Type': 'text/event-stream' } })
export const apiError = (status: number, code: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { code, message: code.toLowerCase(), requestId: 'r' } }), {
    status,
    headers,
  })

export function setup(handler: Handler, over: Partial<ChatDeps> = {}) {
  const calls: { url: URL; init: RequestInit; token: string }[] = []
  let token = 'tok1'
  let ids = 0
  const deps: ChatDeps = {
    apiBase: () => 'https://chat.example',
    token: () => token,
    refreshToken: vi.fn(async () => (token = 'tok2')),
    fetch: async (input, init = {}) => {
      const url = new URL(String(input))
      const auth = (init.headers as Record<string, string>).Authorization ?? ''
      calls.push({ url, init, token: auth.replace('Bearer ', '') })
      return handler(url, init)
    },
    sleep: async () => {},
    uuid: () => `id${++ids}`,
    onError: vi.fn(),
    onMessage: vi.fn(),
    ...over,
  }
  const chat = createChat(deps)
  const message = () => chat.state.value.messages.at(-1)!
  const settled = () => waitFor(() => expect(chat.isBusy()).toBe(false))
  const sendBodies = () =>
    calls.filter((c) => c.url.pathname === '/api/chat/send').map((c) => JSON.parse(c.init.body as string))
  return { chat, deps, calls, message, settled, sendBodies }
}
