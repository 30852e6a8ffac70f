/**
 * JSON only. The raw bytes are kept only where a signature covers the body exactly as sent (the S2S
 * routes, SPEC §2.1): a kept slice pins its whole 8 KB buffer-pool slab for as long as the request
 * lives, which for a held chat stream is minutes (≈ 2 KB per held stream: bench finding B7).
 */
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer
  }
}

/** Installs the JSON parser in `app`'s scope; `keepRaw` also keeps the bytes as `request.rawBody`. */
export function installJsonBody(app: FastifyInstance, o: { keepRaw?: boolean } = {}) {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer
    if (o.keepRaw) request.rawBody = raw
    if (raw.length === 0) return done(null, undefined)
    try {
      done(null, JSON.parse(raw.toString('utf8')))
    } catch {
      done(Object.assign(new SyntaxError('Body is not valid JSON'), { statusCode: 400 }), undefined)
    }
  })
}
