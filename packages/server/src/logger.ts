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
 * stdout, written asynchronously: lines that arrive while a write is in flight go out together, so
 * logging never blocks the event loop on the terminal or a pipe. pino flushes it on exit.
 */
export function logDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false })
}
