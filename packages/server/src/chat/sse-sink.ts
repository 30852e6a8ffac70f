/** An EventSink on an HTTP response: commits to `200 text/event-stream` only when the relay opens it. */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { openSse, type SseWriter } from '../http/sse'
import type { EventSink } from './relay'

export interface SseSink extends EventSink {
  /** Aborts when the client's connection closes. */
  readonly signal: AbortSignal
}

export function sseSink(request: FastifyRequest, reply: FastifyReply, heartbeatMs: number): SseSink {
  let sse: SseWriter | undefined
  let gone: AbortController | undefined // made on first use: most sends never need it
  return {
    get signal() {
      if (!gone) {
        const ac = (gone = new AbortController())
        if (reply.raw.destroyed || reply.raw.writableFinished) ac.abort()
        else reply.raw.once('close', () => ac.abort())
      }
      return gone.signal
    },
    get opened() {
      return sse !== undefined
    },
    open() {
      reply.hijack()
      // Headers decided earlier (request id, CORS, rate-limit) are kept on the hijacked response.
      const headers = { ...(reply.getHeaders() as Record<string, string>), 'x-request-id': request.id }
      sse = openSse(reply.raw, { heartbeatMs, retryMs: 2000, headers })
    },
    event: (id, e, json) => sse?.send(id, e.event, e.data, json),
    close: () => sse?.end(),
  }
}
