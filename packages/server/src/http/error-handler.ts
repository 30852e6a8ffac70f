/**
 * The only place errors become responses: VcError, zod and fastify's own errors all leave as
 * `{"error":{code,message,requestId}}` with the catalogue's status (SPEC §2).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ZodError } from 'zod'
import { VcError, type ErrorKey } from '../errors'
import { DEPENDENCY_RETRY_AFTER_S, isDependencyFault } from '../dependency-fault'

const FASTIFY_CODES: Record<string, ErrorKey> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VC_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'VC_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VC_ERR_BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VC_ERR_BAD_REQUEST',
  FST_ERR_VALIDATION: 'VC_ERR_BAD_REQUEST',
}

export function toVcError(err: unknown): VcError {
  if (err instanceof VcError) return err
  if (err instanceof ZodError) {
    const detail = err.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
      .join('; ')
    return new VcError('VC_ERR_BAD_REQUEST', detail)
  }
  const fe = err as Partial<FastifyError>
  const key = fe.code ? FASTIFY_CODES[fe.code] : undefined
  if (key) return new VcError(key, key === 'VC_ERR_BAD_REQUEST' ? fe.message : undefined)
  if (err instanceof SyntaxError || fe.statusCode === 400)
    return new VcError('VC_ERR_BAD_REQUEST', 'Body is not valid JSON')
  if (isDependencyFault(err)) {
    const retryAfter = String(DEPENDENCY_RETRY_AFTER_S)
    return new VcError('VC_ERR_DEPENDENCY_UNAVAILABLE', undefined, undefined, { 'retry-after': retryAfter })
  }
  return new VcError('VC_ERR_INTERNAL')
}

export function sendError(reply: FastifyReply, request: FastifyRequest, err: VcError) {
  if (err.headers) reply.headers(err.headers)
  return reply
    .status(err.status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: err.code, message: err.message, requestId: request.id, ...err.extra } })
}

/** Call before any route is registered: it learns the routes to tell 405 from 404. */
export function installErrorHandler(app: FastifyInstance) {
  const routes: { method: string; pattern: RegExp }[] = []
  app.addHook('onRoute', (r) => {
    const pattern = new RegExp(
      '^' + r.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[^/]+/g, '[^/]+') + '/?$',
    )
    for (const m of [r.method].flat()) routes.push({ method: m, pattern })
  })
  const allowedMethods = (url: string) => {
    const path = url.split('?')[0] ?? ''
    return [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))]
  }
  app.setErrorHandler((err, request, reply) => {
    const vc = toVcError(err)
    if (vc.code === 'DEPENDENCY_UNAVAILABLE') request.log.warn({ err: String(err) }, 'dependency unavailable')
    else if (vc.status >= 500) request.log.error({ err }, 'request failed')
    else request.log.info({ code: vc.code }, 'request rejected')
    return sendError(reply, request, vc)
  })
  app.setNotFoundHandler((request, reply) => {
    const allowed = allowedMethods(request.url)
    const key: ErrorKey = allowed.length ? 'VC_ERR_METHOD_NOT_ALLOWED' : 'VC_ERR_NOT_FOUND'
    if (allowed.length) reply.header('allow', allowed.join(', '))
    return sendError(reply, request, new VcError(key))
  })
}
