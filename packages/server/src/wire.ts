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

export const sessionCreateBody = z.strictObject({
  phone,
  externalUserId: z.string().min(1).max(128).optional(),
  displayName: z.string().min(1).max(128).optional(),
  ttlSeconds: z.number().int().min(60).max(86_400).optional(),
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

export const historyQuery = z.strictObject({
  conversationId: id,
  before: id.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
})

export const conversationsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
})

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
  | { event: 'done'; data: { status: 'completed'; usage: Usage } }
  | { event: 'error'; data: { code: string; message: string } }

export const isTerminal = (e: StreamEvent) => e.event === 'done' || e.event === 'error'
