/**
 * pino options for the service: JSON lines, secrets and PII redacted at the source. Tokens, signatures,
 * Coze credentials and phone numbers never reach a log line; query strings are dropped from URLs.
 */
import type { FastifyRequest } from 'fastify'
import pino, { type DestinationStream, type LoggerOptions } from 'pino'

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-vc-signature"]',
  'token',
  'accessToken',
  'access_token',
  'phone',
  'secret',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.phone',
  '*.secret',
  '*.privateKeyPem',
  '*.pat',
]

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: (req.url ?? '').split('?')[0],
        remoteAddress: req.ip,
        requestId: req.id,
      }),
    },
  }
}

/**
 * stdout, written asynchronously in blocks of 4 KiB, and at least every second: logging never blocks
 * the event loop on a terminal or a pipe, and a busy instance pays one write per block, not per line.
 * pino flushes what is left on exit.
 */
export function logDestination(): DestinationStream {
  const dest = pino.destination({ dest: 1, sync: false, minLength: 4096 })
  const timer = setInterval(() => {
    if ((dest as { destroyed?: boolean }).destroyed) clearInterval(timer)
    else dest.flush()
  }, 1000)
  timer.unref()
  return dest
}
