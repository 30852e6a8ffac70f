/** Widget chat endpoints (SPEC §2.2, §2.4): parse, call the service, reply. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requireUser, userOf } from '../core/http/auth'
import type { Heartbeat } from '../core/http/heartbeat'
import type { Sessions } from '../identity/types'
import type { ConversationRepository, MessageRepository } from '../store/types'
import { clearBody, conversationsQuery, feedbackBody, historyQuery, replyBody, sendBody } from '../core/wire'
import type { Files } from './files/service'
import type { Feedback } from './feedback'
import type { Relay } from './relay'
import { sseSink } from './sse-sink'
import type { Topics } from './topics'
import type { WelcomeService } from './welcome'

export interface ChatRoutesOptions {
  relay: Relay
  sessions: Sessions
  store: ConversationRepository & MessageRepository
  /** `GET /welcome`: the bot's prologue and suggested questions. */
  welcome: WelcomeService
  /** `POST /clear`: a new topic. */
  topics: Topics
  /** `POST /feedback`: the user's rating of an answer. */
  feedback: Feedback
  /** A send's `attachments`: the user's own uploads (`chat/files/routes.ts`). */
  files: Pick<Files, 'resolve'>
  heartbeat: Heartbeat
  /**
   * Rate limits and the open-stream cap (issue 6), after the token check. A send runs it beside its
   * own first writes (one Redis round trip for both); the relay waits for it before Coze is asked.
   */
  guard?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

export async function chatRoutes(app: FastifyInstance, o: ChatRoutesOptions) {
  app.addHook('preHandler', requireUser(o.sessions))

  // Plain data and a function, no getter: an object literal with an accessor is a dictionary-mode
  // object, ≈ 450 bytes for as long as the answer streams.
  const streamContext = (request: FastifyRequest, reply: FastifyReply, sink: ReturnType<typeof sseSink>) => ({
    admission: o.guard?.(request, reply),
    clientIp: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    requestId: request.id,
    signal: () => sink.signal,
  })

  app.post('/send', async (request, reply) => {
    const { attachments: refs, ...body } = sendBody.parse(request.body)
    const sink = sseSink(request, reply, o.heartbeat, o.sessions)
    const ctx = streamContext(request, reply, sink)
    let attachments
    if (refs?.length) {
      await ctx.admission // a refused request costs no MySQL read
      attachments = await o.files.resolve(userOf(request), refs)
    }
    // Only spaces beside attachments: no text item at all.
    const message = attachments && !body.message.trim() ? '' : body.message
    await o.relay.send(userOf(request), { ...body, message, attachments }, ctx, sink)
  })

  // The user's answer to the bot's question (`action` `reply`): streamed exactly like a send.
  app.post('/reply', async (request, reply) => {
    const body = replyBody.parse(request.body)
    const sink = sseSink(request, reply, o.heartbeat, o.sessions)
    await o.relay.reply(userOf(request), body, streamContext(request, reply, sink), sink)
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
        ...(r.feedback ? { feedback: r.feedback } : {}),
        ...(r.parts ? { parts: r.parts } : {}),
        ...(r.reasoning ? { reasoning: r.reasoning } : {}),
        ...(r.suggestions?.length ? { suggestions: r.suggestions } : {}),
        ...(r.parentMessageId ? { parentMessageId: r.parentMessageId } : {}),
        ...(r.newTopicAt ? { newTopicAt: new Date(r.newTopicAt).toISOString() } : {}),
        ...(r.attachments?.length ? { attachments: r.attachments } : {}),
        askedAt: new Date(r.askedAt).toISOString(),
        finishedAt: r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
      })),
      nextBefore: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null,
    }
  })

  app.get('/welcome', async () => o.welcome.get())

  app.post('/clear', async (request) => {
    const body = clearBody.parse(request.body)
    return o.topics.clear(userOf(request), body.conversationId)
  })

  app.post('/feedback', async (request) => {
    const body = feedbackBody.parse(request.body)
    return o.feedback.rate(userOf(request), body)
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
