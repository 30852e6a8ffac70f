/**
 * Export or erase everything about one phone number (issue 6). The archive keys users by pseudonym, so
 * the phone is turned into the same HMAC the sessions use. Both are audited; erasure keeps the audit
 * rows themselves (append-only, and they hold only the masked phone and the pseudonym).
 */
import { maskPhone, normalisePhone, pseudonymOf } from '../core/phone'
import type { Sessions } from '../identity/sessions'
import type { DeletedCounts, UserData, UserDataRepository } from '../store/types'
import type { Audit } from '../audit/audit'

export interface UserDataDeps {
  store: Pick<UserDataRepository, 'exportUserData' | 'eraseUserData'>
  audit: Audit
  userIdSecret: string
  /** Live sessions are revoked on erasure (Redis); optional for offline use. */
  sessions?: Pick<Sessions, 'revoke'>
}

function who(secret: string, rawPhone: string) {
  const phone = normalisePhone(rawPhone)
  if (!phone) throw new Error(`not a mainland-China mobile number: ${maskPhone(rawPhone.trim())}`)
  return { phone, user: { userId: pseudonymOf(secret, phone), phoneMasked: maskPhone(phone) } }
}

/**
 * @example const data = await exportUser({ store, audit, userIdSecret }, '13800138000', 'alice')
 */
export async function exportUser(d: UserDataDeps, rawPhone: string, operator: string) {
  const { user } = who(d.userIdSecret, rawPhone)
  const data: UserData = await d.store.exportUserData(user.userId)
  await d.audit.record({
    action: 'data.export',
    outcome: 'allowed',
    user,
    userAgent: `cli (${operator})`,
    detail: {
      sessions: data.sessions.length,
      conversations: data.conversations.length,
      messages: data.messages.length,
      files: data.files.length,
    },
  })
  return { ...user, ...data }
}

/** Revokes the phone's live sessions, then deletes its sessions, conversations, messages and files. */
export async function eraseUser(
  d: UserDataDeps,
  rawPhone: string,
  operator: string,
): Promise<DeletedCounts & { revoked: number }> {
  const { phone, user } = who(d.userIdSecret, rawPhone)
  const revoked = d.sessions ? await d.sessions.revoke({ phone }) : 0
  const deleted = await d.store.eraseUserData(user.userId)
  await d.audit.record({
    action: 'data.erase',
    outcome: 'allowed',
    user,
    userAgent: `cli (${operator})`,
    detail: { ...deleted, revoked },
  })
  return { ...deleted, revoked }
}
