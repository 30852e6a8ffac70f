/** The audit log's declared interface: what other features may import (types only). */

export type AuditAction =
  | 'session.create'
  | 'session.revoke'
  | 's2s.denied'
  | 'token.rejected'
  | 'rate.limited'
  | 'chat.start'
  | 'chat.end'
  | 'chat.cancel'
  | 'tool.call'
  | 'voice.ticket'
  | 'voice.open'
  | 'voice.close'
  | 'data.export'
  | 'data.erase'
  | 'data.retention'

export interface AuditEvent {
  action: AuditAction
  outcome: 'allowed' | 'denied'
  /** Why it was denied (a wire error code) or a short qualifier. */
  reason?: string | null
  /** Never a raw phone: the pseudonymous userId and the masked phone. */
  user?: { userId: string; phoneMasked?: string | null } | null
  clientIp?: string | null
  userAgent?: string | null
  keyId?: string | null
  requestId?: string | null
  detail?: Record<string, string | number | boolean | null>
}

export interface Audit {
  /** Appends one event; resolves true once it is in the chain, false (logged) when it could not be. */
  record(event: AuditEvent): Promise<boolean>
  /** Waits for queued events (shutdown, tests). */
  flush(): Promise<void>
}
