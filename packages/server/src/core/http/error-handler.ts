/**
 * The only place errors become responses: VcError, zod and fastify's own errors all leave as
 * `{"error":{code,message,requestId}}` with the catalogue's status (SPEC §2).
 */
import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ZodError } from 'zod'
import { VcError, type ErrorKey } from '../errors'
import { DEPENDENCY_RETRY_AFTER_S, isDependencyFault } from '../dependency-fault'
import { routePath } from './request-target'

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

/**
 * An unknown key id is told apart from a bad signature only in the audit row (issue 20, finding 9): the
 * caller could otherwise probe which key ids exist.
 */
const toCaller = (err: VcError) =>
  err.key === 'VC_ERR_UNKNOWN_KEY' ? new VcError('VC_ERR_SIGNATURE_INVALID') : err

export function sendError(reply: FastifyReply, request: FastifyRequest, error: VcError) {
  const err = toCaller(error)
  if (err.headers) reply.headers(err.headers)
  // Refused before its body was read (onRequest): closing spares reading the rest of it (issue 20, 3).
  if (!request.raw.complete) reply.header('connection', 'close')
  return reply
    .status(err.status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: err.code, message: err.message, requestId: request.id, ...err.extra } })
}

/**
 * Node's refusals before fastify sees a request (the `clientErrorHandler` option): a request not received
 * within `requestTimeout` (408), headers over `maxHeaderSize` (431), anything unparsable (400) — in the
 * envelope, then the socket is closed.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const key: ErrorKey =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'VC_ERR_REQUEST_TIMEOUT'
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? 'VC_ERR_HEADERS_TOO_LARGE'
        : 'VC_ERR_BAD_REQUEST'
  const vc = new VcError(key)
  this.log.debug({ code: err.code }, 'client error')
  // A response already under way cannot be replaced; the socket just goes.
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
  if (socket.writable && !started) {
    const body = JSON.stringify({ error: { code: vc.code, message: vc.message, requestId: randomUUID() } })
    socket.write(
      `HTTP/1.1 ${vc.status} ${STATUS_CODES[vc.status]}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  }
  socket.destroy(err)
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
  const allowedMethods = (path: string) => [
    ...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method)),
  ]
  app.setErrorHandler((err, request, reply) => {
    const vc = toVcError(err)
    if (vc.code === 'DEPENDENCY_UNAVAILABLE') request.log.warn({ err: String(err) }, 'dependency unavailable')
    else if (vc.status >= 500) request.log.error({ err }, 'request failed')
    else request.log.info({ code: vc.code }, 'request rejected')
    return sendError(reply, request, vc)
  })
  app.setNotFoundHandler((request, reply) => {
    const allowed = allowedMethods(routePath(request))
    const key: ErrorKey = allowed.length ? 'VC_ERR_METHOD_NOT_ALLOWED' : 'VC_ERR_NOT_FOUND'
    if (allowed.length) reply.header('allow', allowed.join(', '))
    return sendError(reply, request, new VcError(key))
  })
}
