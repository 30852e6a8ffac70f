/** An EventSink on an HTTP response: commits to `200 text/event-stream` only when the relay opens it. */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { openSse, type SseWriter } from '../http/sse'
import type { StreamEvent } from '../wire'
import type { EventSink } from './relay'

export interface SseSink extends EventSink {
  /** Aborts when the client's connection closes. */
  readonly signal: AbortSignal
}

export function sseSink(request: FastifyRequest, reply: FastifyReply, heartbeatMs: number): SseSink {
  return new ResponseSink(request, reply, heartbeatMs)
}

/** A class, not closures: one object per held stream (issue 8). */
class ResponseSink implements SseSink {
  private sse: SseWriter | undefined
  private gone: AbortController | undefined // made on first use: most sends never need it

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly heartbeatMs: number,
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
    this.sse = openSse(this.reply.raw, { heartbeatMs: this.heartbeatMs, retryMs: 2000, headers })
  }

  event(id: string, e: StreamEvent, json?: string) {
    this.sse?.send(id, e.event, e.data, json)
  }

  close() {
    this.sse?.end()
  }
}
