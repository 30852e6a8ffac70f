/**
 * Request bodies and stream events on the wire (SPEC §2). Bodies are zod schemas so validation and
 * (later) OpenAPI come from one place; events are a union so a new one breaks every unhandled switch.
 */
import { z } from 'zod'
import type { WireCode } from './errors'
import { normalisePhone } from './phone'

const phone = z
  .string()
  .max(20)
  .transform((s, ctx) => {
    const p = normalisePhone(s)
    if (!p)
      ctx.addIssue({ code: 'custom', message: 'must be a mainland-China mobile number, e.g. 13800138000' })
    return p ?? ''
  })

const chars = (min: number, max: number) =>
  z.string().refine((s) => {
    const n = [...s].length
    return n >= min && n <= max
  }, `must be ${min}–${max} characters`)

/** SPEC §2.1: what website A wants the bot to know; sent to Coze as `custom_variables` on every chat. */
const variables = z
  .record(chars(1, 64), chars(1, 512))
  .refine((v) => Object.keys(v).length <= 16, 'must have at most 16 entries')

export const sessionCreateBody = z.strictObject({
  phone,
  externalUserId: z.string().min(1).max(128).optional(),
  displayName: z.string().min(1).max(128).optional(),
  ttlSeconds: z.number().int().min(60).max(86_400).optional(),
  variables: variables.optional(),
})

export const sessionRevokeBody = z.union([
  z.strictObject({ token: z.string().min(1).max(256) }),
  z.strictObject({ phone }),
])

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 of [A-Za-z0-9_-]')

const atMost4000 = (s: string) => [...s].length <= 4000
const questionText = z
  .string()
  .refine((s) => s.trim().length > 0, 'must not be empty')
  .refine(atMost4000, 'must be at most 4000 characters')

/** At most this many attachments on one question (SPEC §2.4). */
export const MAX_ATTACHMENTS = 4

/**
 * SPEC §2.2; `attachments` (§2.4) name the user's own uploads (`POST /api/chat/files`), and with them the
 * text may be empty ('' or absent), not both.
 */
export const sendBody = z
  .strictObject({
    message: z.string().refine(atMost4000, 'must be at most 4000 characters').default(''),
    conversationId: id.optional(),
    clientMessageId: id.optional(),
    attachments: z
      .array(z.strictObject({ fileId: id }))
      .max(MAX_ATTACHMENTS, `must have at most ${MAX_ATTACHMENTS} items`)
      .refine((a) => new Set(a.map((f) => f.fileId)).size === a.length, 'must not name a file twice')
      .optional(),
  })
  .refine((b) => b.message.trim().length > 0 || !!b.attachments?.length, {
    path: ['message'],
    message: 'must not be empty (unless there are attachments)',
  })
export type SendBody = z.infer<typeof sendBody>

/** A send's attachment once checked (`chat/files/service.ts`): what history shows, and Coze's id for it. */
export interface SendAttachment {
  fileId: string
  name: string
  kind: 'image' | 'file'
  mime: string
  bytes: number
  cozeFileId: string
}

/** What the relay is asked to send: the body with its attachments checked and resolved. */
export type SendInput = Omit<SendBody, 'attachments'> & { attachments?: readonly SendAttachment[] }

/** `POST /api/chat/reply`: the user's answer to the bot's question (`action` `reply`). */
export const replyBody = z.strictObject({
  messageId: id,
  toolCallId: z.string().min(1).max(128),
  text: questionText,
  clientMessageId: id.optional(),
})
export type ReplyBody = z.infer<typeof replyBody>

export const historyQuery = z.strictObject({
  conversationId: id,
  before: id.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
})

export const conversationsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
})

/**
 * `POST /api/chat/feedback` (SPEC §2.4): the user's rating of one of their answers, Coze's
 * `feedback_type` values; `null` removes it (the comment goes with it).
 */
export const feedbackBody = z.strictObject({
  messageId: id,
  rating: z.enum(['like', 'unlike']).nullable(),
  comment: z.string().trim().max(1000).optional(),
})
export type FeedbackBody = z.infer<typeof feedbackBody>

/** `POST /api/chat/clear`: a new topic in one of the user's conversations (SPEC §2.4). */
export const clearBody = z.strictObject({ conversationId: id })

export interface Usage {
  inputTokens: number
  outputTokens: number
}

/** The events a widget receives (SPEC §2.2). */
export type StreamEvent =
  | { event: 'meta'; data: { messageId: string; conversationId: string } }
  | { event: 'delta'; data: { text: string } }
  | { event: 'reasoning'; data: { text: string } }
  | { event: 'suggestions'; data: { items: string[] } }
  | { event: 'part'; data: { index: number; kind: PartKind; data?: unknown } }
  | { event: 'action'; data: ActionData }
  | { event: 'done'; data: { status: 'completed' | 'requires_action'; usage: Usage } }
  | { event: 'error'; data: { code: WireCode; message: string; retryAfter?: number } }

/** One answer message of Coze's (SPEC §2.2 `part`): text gets `delta`s, other kinds carry `data`. */
export type PartKind = 'text' | 'card' | 'image' | 'file'

/** Coze needs something before it can go on (`requires_action`, SPEC §2.7). */
export interface ActionData {
  kind: 'reply' | 'tool'
  toolCallId: string
  name?: string
  arguments?: string
}

// Response shapes, for the OpenAPI document (`openapi/`); the routes build these objects directly.
const isoTime = z.string().meta({ format: 'date-time' })

export const errorEnvelope = z.object({
  error: z.looseObject({
    code: z.string().meta({ description: 'UPPER_SNAKE wire code (README "Error codes")' }),
    message: z.string(),
    requestId: z.string(),
    messageId: z.string().optional().meta({ description: 'CONVERSATION_BUSY: the answer still running' }),
    limit: z.string().optional().meta({ description: 'RATE_LIMITED: which limit was hit' }),
  }),
})

export const sessionCreateResponse = z.object({
  token: z.string().meta({ description: 'Opaque bearer token (256 random bits); hand it to the widget' }),
  expiresAt: isoTime,
  sessionId: z.string(),
})

export const sessionRevokeResponse = z.object({ revoked: z.number().int().min(0) })

/** An upload as `POST /api/chat/files` answers it and history shows it on its question (SPEC §2.4). */
export const fileResponse = z.object({
  fileId: z.string().meta({ description: "The service's id: name it in send's `attachments`" }),
  name: z.string(),
  kind: z.enum(['image', 'file']),
  mime: z.string().meta({ description: 'The type read from the bytes (not the one the browser declared)' }),
  bytes: z.number().int(),
})

export const historyResponse = z.object({
  items: z.array(
    z.object({
      messageId: z.string(),
      conversationId: z.string(),
      question: z.string(),
      answer: z.string(),
      status: z.enum(['in_progress', 'completed', 'failed', 'cancelled', 'interrupted']),
      errorCode: z.string().nullable(),
      feedback: z
        .enum(['like', 'unlike'])
        .optional()
        .meta({ description: "The user's rating (POST /api/chat/feedback), absent when unrated" }),
      parts: z
        .array(
          z.object({
            kind: z.enum(['text', 'card', 'image', 'file']),
            text: z.string().optional(),
            data: z.unknown().optional(),
          }),
        )
        .optional()
        .meta({ description: 'Every answer message, when there was more than one plain text (cards…)' }),
      parentMessageId: z.string().optional().meta({ description: "A reply: the bot's question it answers" }),
      attachments: z.array(fileResponse).optional().meta({
        description: 'The files sent with the question, in order (images: GET /api/chat/files/:fileId)',
      }),
      reasoning: z.string().optional().meta({ description: "The model's reasoning, when it showed any" }),
      suggestions: z
        .array(z.string())
        .optional()
        .meta({ description: 'The follow-up questions Coze suggested after this answer (the chips)' }),
      newTopicAt: isoTime
        .optional()
        .meta({ description: 'A new topic (POST /api/chat/clear) began after this message, at this time' }),
      askedAt: isoTime,
      finishedAt: isoTime.nullable(),
    }),
  ),
  nextBefore: z.string().nullable().meta({ description: 'Pass as `before` for the next (older) page' }),
})

export const welcomeResponse = z.object({
  prologue: z.string().meta({ description: "The bot's opening text (Markdown); '' when it has none" }),
  questions: z.array(z.string()).meta({ description: 'Suggested first questions, at most 10' }),
})

export const feedbackResponse = z.object({
  messageId: z.string(),
  rating: z.enum(['like', 'unlike']).nullable(),
  forwarded: z
    .boolean()
    .meta({ description: 'Whether Coze took the rating too; false still means it is archived' }),
})

export const clearResponse = z.object({
  conversationId: z.string(),
  sectionId: z.string().meta({ description: "Coze's new context section: later questions start afresh" }),
})

export const conversationsResponse = z.object({
  items: z.array(
    z.object({
      conversationId: z.string(),
      title: z.string().nullable(),
      createdAt: isoTime,
      updatedAt: isoTime,
    }),
  ),
})
