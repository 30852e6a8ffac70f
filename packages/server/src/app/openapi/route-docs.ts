/**
 * What the OpenAPI document says about each route beyond its path: schemas from `wire.ts`, the auth
 * scheme, the statuses it answers. Keyed `METHOD /url` as fastify registers it; a route missing here
 * still appears in the document (and `openapi.test.ts` fails until it is described).
 */
import { z } from 'zod'
import {
  clearBody,
  clearResponse,
  feedbackBody,
  feedbackResponse,
  fileResponse,
  conversationsQuery,
  conversationsResponse,
  historyQuery,
  historyResponse,
  replyBody,
  sendBody,
  sessionCreateBody,
  sessionCreateResponse,
  sessionRevokeBody,
  sessionRevokeResponse,
  welcomeResponse,
} from '../../core/wire'
import { speechBody, ticketBody, upgradeQuery } from '../../voice/wire'

export interface RouteDoc {
  summary: string
  description?: string
  tag: 'internal' | 'widget' | 'operations'
  auth?: 's2s' | 'bearer'
  body?: z.ZodType
  query?: z.ZodType
  /** Success status → schema, or a media type for non-JSON bodies. */
  ok: { status: number; schema?: z.ZodType; media?: string; description: string }
  /** Error statuses this route may answer with the envelope. */
  errors: number[]
}

const messageId = z.strictObject({ messageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) })
const SSE = 'text/event-stream'
const STREAM_DESCRIPTION =
  'Server-sent events `meta`, `delta`, `reasoning`, `suggestions`, then `done` or `error`; each `id:` is ' +
  '`<messageId>:<seq>` (SPEC §2.2). `: ping` every 15 s. Rate-limit headers are on the 200 head.'

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /api/internal/session/create': {
    summary: 'Swap a phone number for a widget session token',
    tag: 'internal',
    auth: 's2s',
    body: sessionCreateBody,
    ok: { status: 201, schema: sessionCreateResponse, description: 'Session created' },
    errors: [400, 401, 403, 413, 415, 429, 503],
  },
  'POST /api/internal/session/revoke': {
    summary: 'End one session (by token) or every session of a phone',
    tag: 'internal',
    auth: 's2s',
    body: sessionRevokeBody,
    ok: { status: 200, schema: sessionRevokeResponse, description: 'How many sessions ended' },
    errors: [400, 401, 403, 413, 415],
  },
  'POST /api/chat/send': {
    summary: 'Ask a question; the answer streams back',
    tag: 'widget',
    auth: 'bearer',
    body: sendBody,
    ok: { status: 200, media: SSE, description: STREAM_DESCRIPTION },
    errors: [400, 401, 404, 409, 413, 415, 429, 502, 503, 504],
  },
  'POST /api/chat/reply': {
    summary: "Answer the bot's question (`action` `reply`); the continuation streams back like a send",
    tag: 'widget',
    auth: 'bearer',
    body: replyBody,
    ok: { status: 200, media: SSE, description: STREAM_DESCRIPTION },
    errors: [400, 401, 404, 409, 413, 415, 429, 502, 503, 504],
  },
  'GET /api/chat/stream/:messageId': {
    summary: 'Resume an answer after `Last-Event-ID` (header or `?lastEventId=`)',
    tag: 'widget',
    auth: 'bearer',
    ok: { status: 200, media: SSE, description: STREAM_DESCRIPTION },
    errors: [400, 401, 404, 429],
  },
  'POST /api/chat/cancel': {
    summary: 'Stop an answer; it is archived `cancelled`',
    tag: 'widget',
    auth: 'bearer',
    body: messageId,
    ok: { status: 200, description: 'The answer was stopped (or had already ended)' },
    errors: [400, 401, 404, 429],
  },
  'GET /api/chat/history': {
    summary: "The user's messages in one conversation, newest first",
    tag: 'widget',
    auth: 'bearer',
    query: historyQuery,
    ok: { status: 200, schema: historyResponse, description: 'One page of messages' },
    errors: [400, 401, 429],
  },
  'GET /api/chat/conversations': {
    summary: "The user's conversations, most recently active first",
    tag: 'widget',
    auth: 'bearer',
    query: conversationsQuery,
    ok: { status: 200, schema: conversationsResponse, description: 'Conversations' },
    errors: [400, 401, 429],
  },
  'GET /api/chat/welcome': {
    summary: "The bot's prologue and suggested questions (Coze bot info, cached a few minutes)",
    description:
      'Never fails for Coze: while the bot info cannot be read, the last copy answers, or an empty welcome.',
    tag: 'widget',
    auth: 'bearer',
    ok: { status: 200, schema: welcomeResponse, description: 'The welcome' },
    errors: [401, 429],
  },
  'POST /api/chat/clear': {
    summary: "A new topic: Coze clears the conversation's context, the history stays",
    tag: 'widget',
    auth: 'bearer',
    body: clearBody,
    ok: { status: 200, schema: clearResponse, description: 'The new context section' },
    errors: [400, 401, 404, 409, 413, 415, 429, 502, 503, 504],
  },
  'POST /api/chat/feedback': {
    summary: "The user's rating of one of their answers, archived and passed to Coze's message feedback API",
    description:
      'The archive is the record: when Coze does not take the rating it is still kept, and `forwarded` is false.',
    tag: 'widget',
    auth: 'bearer',
    body: feedbackBody,
    ok: { status: 200, schema: feedbackResponse, description: 'The rating as archived' },
    errors: [400, 401, 404, 415, 429],
  },
  'POST /api/chat/files': {
    summary: 'Upload an image or file for the next question: multipart/form-data, field `file`',
    description:
      'The type is read from the bytes: png, jpeg, gif, webp (`kind` image); pdf; txt, md, csv (UTF-8); docx, ' +
      "xlsx, pptx (by extension, zip checked). Uploaded to Coze's file API; `send` then takes " +
      '`attachments: [{fileId}]`. Over `FILES_MAX_BYTES` (10 MiB): 413 `FILE_TOO_LARGE`, the rest unread.',
    tag: 'widget',
    auth: 'bearer',
    ok: { status: 201, schema: fileResponse, description: 'The upload' },
    errors: [400, 401, 413, 415, 429, 502, 503, 504],
  },
  'GET /api/chat/files/:fileId': {
    summary: "One of the user's uploaded images, its bytes (documents keep none: 404)",
    tag: 'widget',
    auth: 'bearer',
    ok: { status: 200, media: 'image/*', description: 'The image, `Cache-Control: private`, `nosniff`' },
    errors: [400, 401, 404, 429],
  },
  'POST /api/voice/ticket': {
    summary: 'A one-use ticket (60 s) for opening a voice WebSocket',
    tag: 'widget',
    auth: 'bearer',
    body: ticketBody,
    ok: { status: 200, description: 'The ticket and when it expires' },
    errors: [400, 401, 429],
  },
  'GET /api/voice/tts': {
    summary: 'WebSocket upgrade: streaming speech synthesis, proxied to Coze',
    tag: 'widget',
    query: upgradeQuery,
    ok: { status: 101, description: 'Switching protocols; `?ticket=` from POST /api/voice/ticket' },
    errors: [400, 401, 403, 429],
  },
  'GET /api/voice/asr': {
    summary: 'WebSocket upgrade: streaming transcription, proxied to Coze',
    tag: 'widget',
    query: upgradeQuery,
    ok: { status: 101, description: 'Switching protocols; `?ticket=` from POST /api/voice/ticket' },
    errors: [400, 401, 403, 429],
  },
  'POST /api/voice/speech': {
    summary: 'Text to speech in one request (fallback without WebSocket)',
    tag: 'widget',
    auth: 'bearer',
    body: speechBody,
    ok: { status: 200, media: 'audio/mpeg', description: 'The audio, in the format asked for' },
    errors: [400, 401, 429, 502, 503],
  },
  'POST /api/voice/transcriptions': {
    summary: 'Speech to text in one request: multipart/form-data, field `file`',
    tag: 'widget',
    auth: 'bearer',
    ok: { status: 200, description: '`{"text": "…"}`' },
    errors: [400, 401, 413, 415, 429, 502, 503],
  },
  'GET /healthz': {
    summary: 'The process is up',
    tag: 'operations',
    ok: { status: 200, description: '`{"status":"ok"}`' },
    errors: [],
  },
  'GET /readyz': {
    summary: 'Whether to send this pod traffic: 503 only while it drains or its event loop lags',
    tag: 'operations',
    ok: {
      status: 200,
      description:
        '`{"status":"ready"|"degraded","checks":{…}}`: MySQL, Redis, Coze and rate limits are reported, never a 503',
    },
    errors: [503],
  },
  'GET /metrics': {
    summary: 'Prometheus metrics (OPS_IP_ALLOWLIST)',
    tag: 'operations',
    ok: { status: 200, media: 'text/plain', description: 'Prometheus text format' },
    errors: [403],
  },
  'GET /openapi.json': {
    summary: 'This document (OPS_IP_ALLOWLIST)',
    tag: 'operations',
    ok: { status: 200, description: 'OpenAPI 3.1' },
    errors: [403],
  },
  'GET /widget/*': {
    summary: 'The widget bundle (script tag, chunks, styles)',
    tag: 'operations',
    ok: { status: 200, media: 'text/javascript', description: 'A widget file; gzip/brotli, ETag' },
    errors: [404],
  },
}
