/** Resume and cancel (SPEC §2.3, §2.4; issue 5): parse, call the service, reply. */
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify'
import { z } from 'zod'
import { VcError } from '../core/errors'
import { requireUser, userOf } from '../core/http/auth'
import type { Heartbeat } from '../core/http/heartbeat'
import type { Sessions } from '../identity/types'
import { attachToMessage, type AttachDeps } from './attach'
import type { Canceller } from './cancel'
import { parseLastEventId } from './event-id'
import type { ChatObserver } from './observer'
import { sseSink } from './sse-sink'

export interface StreamRoutesOptions extends AttachDeps {
  sessions: Sessions
  canceller: Canceller
  heartbeat: Heartbeat
  onResume?: ChatObserver['streamResumed']
  /** Rate limits and the open-stream cap (a resume holds a stream like a send). */
  guard?: preHandlerAsyncHookHandler
}

const messageIdParam = z.strictObject({
  messageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a message id'),
})
const resumeQuery = z.object({ lastEventId: z.string().max(200).optional() })
export const cancelBody = z.strictObject({
  messageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a message id'),
})

export async function streamRoutes(app: FastifyInstance, o: StreamRoutesOptions) {
  app.addHook('preHandler', requireUser(o.sessions))
  if (o.guard) app.addHook('preHandler', o.guard)

  app.get('/stream/:messageId', async (request, reply) => {
    const { messageId } = messageIdParam.parse(request.params)
    const header = request.headers['last-event-id']
    const raw = (Array.isArray(header) ? header[0] : header) ?? resumeQuery.parse(request.query).lastEventId
    const afterSeq = parseLastEventId(raw, messageId)
    if (afterSeq === undefined)
      throw new VcError('VC_ERR_BAD_REQUEST', 'Last-Event-ID must be <messageId>:<position>')
    const sink = sseSink(request, reply, o.heartbeat, o.sessions)
    const user = userOf(request)
    o.onResume?.({ user, messageId, fromSeq: afterSeq })
    await attachToMessage(o, user, messageId, { afterSeq, signal: sink.signal }, sink)
  })

  app.post('/cancel', async (request) => {
    const { messageId } = cancelBody.parse(request.body)
    const from = {
      clientIp: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
      requestId: request.id,
    }
    return o.canceller.cancel(userOf(request), messageId, from)
  })
}
