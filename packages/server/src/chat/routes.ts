/** Widget chat endpoints (SPEC §2.2, §2.4): parse, call the service, reply. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requireUser, userOf } from '../http/auth'
import { openSse, type SseWriter } from '../http/sse'
import type { Sessions } from '../identity/sessions'
import type { Store } from '../store/types'
import { conversationsQuery, historyQuery, sendBody } from '../wire'
import type { EventSink, Relay } from './relay'

export interface ChatRoutesOptions {
  relay: Relay
  sessions: Sessions
  store: Store
  heartbeatMs: number
}

export async function chatRoutes(app: FastifyInstance, o: ChatRoutesOptions) {
  app.addHook('preHandler', requireUser(o.sessions))

  app.post('/send', async (request, reply) => {
    const body = sendBody.parse(request.body)
    const ctx = {
      clientIp: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
      requestId: request.id,
    }
    await o.relay.send(userOf(request), body, ctx, sseSink(request, reply, o.heartbeatMs))
  })

  app.get('/history', async (request) => {
    const q = historyQuery.parse(request.query)
    const rows = await o.store.listMessages(userOf(request).userId, q.conversationId, {
      beforeId: q.before,
      limit: q.limit,
    })
    return {
      items: rows.map((r) => ({
        messageId: r.id,
        conversationId: r.conversationId,
        question: r.question,
        answer: r.answer,
        status: r.status,
        errorCode: r.errorCode,
        askedAt: new Date(r.askedAt).toISOString(),
        finishedAt: r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
      })),
      nextBefore: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null,
    }
  })

  app.get('/conversations', async (request) => {
    const q = conversationsQuery.parse(request.query)
    const rows = await o.store.listConversations(userOf(request).userId, q.limit)
    return {
      items: rows.map((c) => ({
        conversationId: c.id,
        title: c.title,
        createdAt: new Date(c.createdAt).toISOString(),
        updatedAt: new Date(c.updatedAt).toISOString(),
      })),
    }
  })
}

/** An EventSink on the HTTP response; commits to `200 text/event-stream` only when the relay opens it. */
function sseSink(request: FastifyRequest, reply: FastifyReply, heartbeatMs: number): EventSink {
  let sse: SseWriter | undefined
  return {
    open() {
      reply.hijack()
      const headers = { ...(reply.getHeaders() as Record<string, string>), 'x-request-id': request.id }
      sse = openSse(reply.raw, { heartbeatMs, retryMs: 2000, headers })
    },
    event: (id, e) => sse?.send(id, e.event, e.data),
    close: () => sse?.end(),
  }
}
