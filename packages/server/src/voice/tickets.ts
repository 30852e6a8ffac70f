/**
 * One-use voice tickets (SPEC §2.4): browsers cannot put a header on a WebSocket, and the session token
 * must never sit in a URL, so the widget trades its token for a ticket valid 60 s, bound to the user, the
 * purpose and (by default) the client address. Redis keeps only SHA-256(ticket).
 */
import { VcError } from '../core/errors'
import { newToken, hashToken } from '../core/token'
import { keys } from '../core/kv/keys'
import type { Kv } from '../core/kv/types'
import type { SessionUser } from '../core/session-user'

export type VoicePurpose = 'tts' | 'asr'

/** Who a consumed ticket lets in. */
export interface VoiceGrant {
  userId: string
  sessionId: string
  /** SHA-256 of the session's token: the socket is checked and held under it (issue 20 #7). */
  tokenHash: string
  purpose: VoicePurpose
}

interface TicketRecord extends VoiceGrant {
  ip: string
  expiresAt: number
}

export const TICKET_TTL_MS = 60_000
const TICKET = /^[A-Za-z0-9_-]{43}$/ // 32 random bytes, base64url
const ticketKey = (ticket: string) => keys.voiceTicket(hashToken(ticket))

export interface VoiceTicketsDeps {
  kv: Kv
  /** Refuse a ticket presented from another address than the one that asked for it. */
  bindIp: boolean
  now?: () => number
}

/**
 * @example
 * const tickets = createVoiceTickets({ kv, bindIp: true })
 * const { ticket } = await tickets.issue(user, hashToken(token), 'asr', request.ip)
 * const grant = await tickets.consume(ticket, { purpose: 'asr', ip: request.ip }) // a second call throws
 */
export function createVoiceTickets(d: VoiceTicketsDeps) {
  const now = d.now ?? Date.now

  async function issue(user: SessionUser, tokenHash: string, purpose: VoicePurpose, ip: string) {
    const ticket = newToken()
    const expiresAt = now() + TICKET_TTL_MS
    const { userId, sessionId } = user
    const record: TicketRecord = { userId, sessionId, tokenHash, purpose, ip, expiresAt }
    await d.kv.set(ticketKey(ticket), JSON.stringify(record), { ttlMs: TICKET_TTL_MS })
    return { ticket, expiresAt: new Date(expiresAt).toISOString() }
  }

  /**
   * Uses the ticket up, whatever the outcome: of two concurrent uses only the one whose delete removed
   * the key gets in, and a presentation that fails a check still burns the ticket.
   */
  async function consume(
    ticket: string | undefined,
    expect: { purpose: VoicePurpose; ip: string; userId?: string },
  ): Promise<VoiceGrant> {
    const refuse = (why: string) => new VcError('VC_ERR_TICKET_INVALID', `Voice ticket ${why}`)
    if (!ticket || !TICKET.test(ticket)) throw refuse('is missing or malformed')
    const key = ticketKey(ticket)
    const raw = await d.kv.get(key)
    if (!raw || (await d.kv.del(key)) !== 1) throw refuse('is unknown, already used or expired')
    const record = JSON.parse(raw) as TicketRecord
    // A ticket of the release before issue 20 #7 names no session token: it cannot be checked.
    if (record.expiresAt <= now() || !record.tokenHash) throw refuse('is unknown, already used or expired')
    if (record.purpose !== expect.purpose) throw refuse(`was issued for ${record.purpose}`)
    if (expect.userId !== undefined && expect.userId !== record.userId)
      throw refuse('belongs to another user')
    if (d.bindIp && record.ip !== expect.ip) throw refuse('was issued to another client address')
    const { userId, sessionId, tokenHash, purpose } = record
    return { userId, sessionId, tokenHash, purpose }
  }

  return { issue, consume }
}

export type VoiceTickets = ReturnType<typeof createVoiceTickets>
