/**
 * JSON only, with the raw bytes kept: the S2S signature covers the body exactly as sent (SPEC §2.1).
 */
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer
  }
}

export function installJsonBody(app: FastifyInstance) {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer
    request.rawBody = raw
    if (raw.length === 0) return done(null, undefined)
    try {
      done(null, JSON.parse(raw.toString('utf8')))
    } catch {
      done(Object.assign(new SyntaxError('Body is not valid JSON'), { statusCode: 400 }), undefined)
    }
  })
}
