/**
 * Request bodies and stream events on the wire (SPEC §2). Bodies are zod schemas so validation and
 * (later) OpenAPI come from one place; events are a union so a new one breaks every unhandled switch.
 */
import { z } from 'zod'
import { normalisePhone } from './identity/phone'

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

export const sendBody = z.strictObject({
  message: z
    .string()
    .refine((s) => s.trim().length > 0, 'must not be empty')
    .refine((s) => [...s].length <= 4000, 'must be at most 4000 characters'),
  conversationId: id.optional(),
  clientMessageId: id.optional(),
})
export type SendBody = z.infer<typeof sendBody>

/** `POST /api/chat/reply`: the user's answer to the bot's question (`action` `reply`). */
export const replyBody = z.strictObject({
  messageId: id,
  toolCallId: z.string().min(1).max(128),
  text: sendBody.shape.message,
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
  | { event: 'error'; data: { code: string; message: string; retryAfter?: number } }

/** One answer message of Coze's (SPEC §2.2 `part`): text gets `delta`s, other kinds carry `data`. */
export type PartKind = 'text' | 'card' | 'image' | 'file'

/** Coze needs something before it can go on (`requires_action`, SPEC §2.7). */
export interface ActionData {
  kind: 'reply' | 'tool'
  toolCallId: string
  name?: string
  arguments?: string
}

export const isTerminal = (e: StreamEvent) => e.event === 'done' || e.event === 'error'

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
      reasoning: z.string().optional().meta({ description: "The model's reasoning, when it showed any" }),
      suggestions: z
        .array(z.string())
        .optional()
        .meta({ description: 'The follow-up questions Coze suggested after this answer (the chips)' }),
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
