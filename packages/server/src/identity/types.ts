/** The identity feature's declared interface: what other features may import (types only). */
import type { SessionUser } from '../core/session-user'
import type { Revocations } from './revocations'

/** What website A's backend sends to start a session (SPEC §2.1). */
export interface NewSession {
  phone: string
  externalUserId?: string
  displayName?: string
  ttlSeconds?: number
  variables?: Record<string, string>
}

/** Sessions (identity/sessions.ts): phone → opaque token, resolved on every request. */
export interface Sessions {
  /** A new session: its token (handed out once), expiry and user. */
  create(
    input: NewSession,
    ctx: { keyId: string; clientIp: string | null },
  ): Promise<{ token: string; expiresAt: string; sessionId: string; user: SessionUser }>
  /** The session behind a bearer token, or undefined when unknown, expired or revoked. */
  resolve(token: string): Promise<SessionUser | undefined>
  /** Ends one session (by token) or all of a user's (by phone); returns how many ended. */
  revoke(by: { token: string } | { phone: string }): Promise<number>
  /** Who a phone number is in the archive and the audit log, without keeping the number. */
  identify(phone: string): { userId: string; phoneMasked: string }
  /** Whether the session behind a token hash is still valid. */
  isLive(tokenHash: string): Promise<boolean>
  /** Holds something open under a session until released; a revoke closes it (revocations.ts). */
  hold: Revocations['hold']
}
