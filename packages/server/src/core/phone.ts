import { createHmac } from 'node:crypto'

const PHONE = /^(?:\+86)?(1[3-9]\d{9})$/

/** '+8613800138000' → '13800138000'; undefined when not a mainland-China mobile number (SPEC §2.1). */
export function normalisePhone(raw: string): string | undefined {
  return PHONE.exec(raw.trim())?.[1]
}

/** '13800138000' → '138****8000': the only form a phone number takes in logs and audit. */
export const maskPhone = (phone: string) =>
  phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : '***'

/**
 * The stable pseudonym of a user: keyed HMAC of the normalised phone. It is our `user_id` in the
 * archive and, unless `COZE_USER_ID_MODE=phone`, the `user_id` Coze sees (SPEC §3).
 */
export const pseudonymOf = (secret: string, phone: string) =>
  createHmac('sha256', secret).update(`phone:${phone}`).digest('hex').slice(0, 32)
