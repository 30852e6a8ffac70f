/**
 * One simulated user, speaking either Coze's protocol (ways a and b: straight to coze-sim, or through
 * nginx) or the Chat Service's (way c: a signed session, then `POST /api/chat/send` with the token).
 * The same question goes out every way, so the sim does the same work in all three.
 */
import { performance } from 'node:perf_hooks'
import { signRequest } from '@volcano-chat/client'
import type { Endpoints, Way } from './protocol'
import { jsonRequest, sseRequest, type SseResult } from './sse-client'

export interface SendHooks {
  /** Each answer token (Coze `conversation.message.delta`; the service's `delta`/`reasoning`). */
  onToken?(at: number, index: number): void
  /** The service's `meta` (way c). */
  onMeta?(messageId: string, conversationId: string): void
  onComment?(text: string, at: number): void
  signal?: AbortSignal
}

export interface SendOutcome {
  ok: boolean
  error?: string
  status: number
  tokens: number
  t0: number
  tFirst: number | null
  tEnd: number
  /** Events of any kind (way c: meta, delta, suggestions, done…). */
  events: number
  messageId?: string
  busyRetries: number
  /** Closed by us before the answer ended (held streams). */
  stopped: boolean
}

let phoneCounter = 0
/** A mainland-China mobile number unique within this run (the seed keeps runs apart). */
export function nextPhone(seed: number): string {
  const n = (seed * 7919 + phoneCounter++) % 900_000_000
  return `13${100_000_000 + n}`
}

/** `[[sim:…]]` markers that script the sim's answer (coze-sim README). */
export const question = (markers: Record<string, number | boolean>) =>
  `介绍一下你们的产品 [[sim:${Object.entries(markers)
    .map(([k, v]) => (v === true ? k : `${k}=${v}`))
    .join(',')}]]`

const BUSY_RETRIES = 200

/** What a send's event handler counted: tokens, events, the first token, an error event, its own end. */
interface Counted {
  tokens: number
  events: number
  tFirst: number | null
  error?: string
  /** The protocol's end arrived (Coze: `conversation.chat.completed` and `done`; the service: `done`). */
  ended: boolean
  messageId?: string
}

/** One send's outcome, either way: an HTTP error wins, then an error event, then a stream cut short. */
function outcome(res: SseResult, n: Counted, busyRetries: number): SendOutcome {
  let error = n.error
  if (res.errorBody !== undefined) error = `HTTP ${res.status}: ${res.errorBody.slice(0, 200)}`
  else if (!error && !res.stopped && !n.ended) error = 'stream ended without done'
  return {
    ok: !error,
    error,
    status: res.status,
    tokens: n.tokens,
    t0: res.startedAt,
    tFirst: n.tFirst,
    tEnd: res.endedAt,
    events: n.events,
    messageId: n.messageId,
    busyRetries,
    stopped: res.stopped,
  }
}

export class Chatter {
  token?: string
  conversationId?: string

  constructor(
    readonly way: Way,
    private readonly ep: Endpoints,
    /** Way c: never pass a conversationId (each send starts a conversation). */
    private readonly freshConversations = false,
  ) {}

  private get base(): string {
    if (this.way === 'a') return this.ep.simUrl
    if (this.way === 'b') {
      if (!this.ep.proxyUrl) throw new Error('way (b), the proxy, is not running')
      return this.ep.proxyUrl
    }
    return this.ep.serviceUrl
  }

  /** Way c: a signed session for a fresh phone; ways a/b: a Coze conversation. */
  async prepare(): Promise<void> {
    if (this.way === 'c') this.token = (await createSession(this.ep)).token
    else await this.newCozeConversation()
  }

  async newCozeConversation(): Promise<void> {
    const r = await jsonRequest<{ code: number; data: { id: string } }>(
      `${this.base}/v1/conversation/create`,
      'POST',
      { authorization: `Bearer ${this.ep.pat}`, 'content-type': 'application/json' },
      '{}',
    )
    this.conversationId = r.data.id
  }

  async send(text: string, hooks: SendHooks = {}): Promise<SendOutcome> {
    return this.way === 'c' ? this.sendToService(text, hooks) : this.sendToCoze(text, hooks)
  }

  private async sendToCoze(text: string, hooks: SendHooks): Promise<SendOutcome> {
    let tokens = 0
    let events = 0
    let tFirst: number | null = null
    let error: string | undefined
    let completed = false
    let finished = false
    const body = JSON.stringify({
      bot_id: this.ep.botId,
      user_id: `bench-user-${this.conversationId}`,
      stream: true,
      auto_save_history: true,
      additional_messages: [{ role: 'user', type: 'question', content: text, content_type: 'text' }],
    })
    const res = await sseRequest({
      url: `${this.base}/v3/chat?conversation_id=${this.conversationId}`,
      method: 'POST',
      headers: { authorization: `Bearer ${this.ep.pat}`, 'content-type': 'application/json' },
      body,
      signal: hooks.signal,
      onEvent: (name, data, at) => {
        events++
        if (name === 'conversation.message.delta') {
          tFirst ??= at
          hooks.onToken?.(at, tokens++)
        } else if (name === 'conversation.chat.completed') completed = true
        else if (name === 'conversation.chat.failed' || name === 'error')
          error = `${name} ${data.slice(0, 120)}`
        else if (name === 'done') finished = true
      },
      onComment: hooks.onComment,
    })
    return outcome(res, { tokens, events, tFirst, error, ended: completed && finished }, 0)
  }

  private async sendToService(text: string, hooks: SendHooks): Promise<SendOutcome> {
    let busyRetries = 0
    for (;;) {
      let tokens = 0
      let events = 0
      let tFirst: number | null = null
      let error: string | undefined
      let done = false
      let messageId: string | undefined
      const res = await sseRequest({
        url: `${this.ep.serviceUrl}/api/chat/send`,
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          message: text,
          ...(this.conversationId && !this.freshConversations && { conversationId: this.conversationId }),
        }),
        signal: hooks.signal,
        onEvent: (name, data, at) => {
          events++
          if (name === 'delta' || name === 'reasoning') {
            tFirst ??= at
            hooks.onToken?.(at, tokens++)
          } else if (name === 'meta') {
            const m = JSON.parse(data) as { messageId: string; conversationId: string }
            messageId = m.messageId
            if (!this.freshConversations) this.conversationId = m.conversationId
            hooks.onMeta?.(m.messageId, m.conversationId)
          } else if (name === 'done') done = true
          else if (name === 'error') error = `error event ${data.slice(0, 160)}`
        },
        onComment: hooks.onComment,
      })
      // The previous answer's lock is released a moment after its stream closed: ask again.
      if (res.status === 409 && res.errorBody?.includes('CONVERSATION_BUSY') && busyRetries < BUSY_RETRIES) {
        busyRetries++
        await new Promise((r) => setTimeout(r, 2))
        continue
      }
      return outcome(res, { tokens, events, tFirst, error, ended: done, messageId }, busyRetries)
    }
  }

  /** Way c: `POST /api/chat/cancel`. */
  async cancel(messageId: string): Promise<void> {
    await jsonRequest(
      `${this.ep.serviceUrl}/api/chat/cancel`,
      'POST',
      { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      JSON.stringify({ messageId }),
    )
  }

  /** Way c: `GET /api/chat/stream/:messageId` after `afterSeq`, read to the terminal event. */
  async resume(messageId: string, afterSeq: number) {
    let events = 0
    let first: number | null = null
    let terminal: string | undefined
    const res = await sseRequest({
      url: `${this.ep.serviceUrl}/api/chat/stream/${messageId}?lastEventId=${messageId}:${afterSeq}`,
      method: 'GET',
      headers: { authorization: `Bearer ${this.token}` },
      onEvent: (name, _data, at) => {
        events++
        first ??= at
        if (name === 'done' || name === 'error') terminal = name
      },
    })
    if (res.errorBody !== undefined) throw new Error(`resume → HTTP ${res.status}: ${res.errorBody}`)
    if (terminal !== 'done') throw new Error(`resume ended with ${terminal ?? 'no terminal event'}`)
    return { events, firstMs: (first ?? res.endedAt) - res.startedAt, fullMs: res.endedAt - res.startedAt }
  }
}

/** A signed `POST /api/internal/session/create` (request signing v1) for a fresh phone. */
export async function createSession(ep: Endpoints): Promise<{ token: string; ms: number }> {
  const path = '/api/internal/session/create'
  const body = JSON.stringify({ phone: nextPhone(ep.runSeed) })
  const headers = signRequest({ keyId: ep.s2s.id, secret: ep.s2s.secret, method: 'POST', path, body })
  const t0 = performance.now()
  const r = await jsonRequest<{ token: string }>(
    ep.serviceUrl + path,
    'POST',
    { ...headers, 'content-type': 'application/json' },
    body,
  )
  return { token: r.token, ms: performance.now() - t0 }
}
