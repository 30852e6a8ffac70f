/**
 * An EventSink on an HTTP response: commits to `200 text/event-stream` only when the relay opens it.
 * While the response is open it is held under the request's session: a revoke on any instance ends it
 * with an `error` `TOKEN_INVALID` event (issue 20 #7). The answer itself goes on and is archived.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { wireCode, codes } from '../core/errors'
import type { Heartbeat } from '../core/http/heartbeat'
import { openSse, type SseWriter } from '../core/http/sse'
import type { Sessions } from '../identity/types'
import type { StreamEvent } from '../core/wire'
import type { EventSink } from './relay'
import { heldSessionOf } from '../core/http/auth'

export interface SseSink extends EventSink {
  /** Aborts when the client's connection closes. */
  readonly signal: AbortSignal
}

export function sseSink(
  request: FastifyRequest,
  reply: FastifyReply,
  heartbeat: Heartbeat,
  sessions: Pick<Sessions, 'hold'>,
): SseSink {
  const sink = new ResponseSink(request, reply, heartbeat)
  // Held from before the answer opens (Coze may take a while): a revoke meanwhile ends it at `open()`.
  const release = sessions.hold(heldSessionOf(request), () => sink.revoke())
  reply.raw.once('close', release)
  return sink
}

const REVOKED = {
  event: 'error',
  data: { code: wireCode('VC_ERR_TOKEN_INVALID'), message: codes.VC_ERR_TOKEN_INVALID.message },
} as const satisfies StreamEvent

/** A class, not closures: one object per held stream (issue 8). */
class ResponseSink implements SseSink {
  private sse: SseWriter | undefined
  private gone: AbortController | undefined // made on first use: most sends never need it
  private revoked = false

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly heartbeat: Heartbeat,
  ) {}

  get signal() {
    if (!this.gone) {
      const ac = (this.gone = new AbortController())
      const raw = this.reply.raw
      if (raw.destroyed || raw.writableFinished) ac.abort()
      else raw.once('close', () => ac.abort())
    }
    return this.gone.signal
  }

  get opened() {
    return this.sse !== undefined
  }

  open() {
    this.reply.hijack()
    // Headers decided earlier (request id, CORS, rate-limit) are kept on the hijacked response.
    const headers = {
      ...(this.reply.getHeaders() as Record<string, string>),
      'x-request-id': this.request.id,
    }
    this.sse = openSse(this.reply.raw, { heartbeat: this.heartbeat, retryMs: 2000, headers })
    if (this.revoked) this.revoke()
  }

  /**
   * The session was revoked: an `error` event, then the end. It has no id, so it neither takes a
   * position in the answer nor moves the client's resume point.
   */
  revoke() {
    this.revoked = true
    if (!this.sse || this.sse.closed) return
    this.sse.send(undefined, REVOKED.event, REVOKED.data)
    this.sse.end()
  }

  event(id: string, e: StreamEvent, json?: string) {
    this.sse?.send(id, e.event, e.data, json)
  }

  close() {
    this.sse?.end()
  }
}
