/** What a valid token resolves to; `cozeUserId` is what Coze sees as `user_id`. */
export interface SessionUser {
  sessionId: string
  userId: string
  phoneMasked: string
  cozeUserId: string
  displayName: string | null
  expiresAt: number
  /** Website A's own id for the user, handed to its tools (SPEC §2.8); absent in older sessions. */
  externalUserId?: string | null
  /** Website A's `variables` (SPEC §2.1), Coze's `custom_variables` on every chat of the session. */
  variables?: Record<string, string>
}
