/**
 * The identity swap (SPEC §2.1): a phone number from website A's backend becomes an opaque token.
 * Redis keeps only SHA-256(token) → session, with the session's TTL; the archive keeps a chat_session row.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Kv } from '../kv/types'
import type { Store } from '../store/types'
import { maskPhone, pseudonymOf } from './phone'
import { newToken } from './token'

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

export interface SessionsDeps {
  kv: Kv
  store: Store
  userIdSecret: string
  cozeUserIdMode: 'pseudonym' | 'phone'
  defaultTtlSeconds: number
  now?: () => number
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')
const sessionKey = (tokenHash: string) => `session:${tokenHash}`
const userSessionsKey = (userId: string) => `user-sessions:${userId}`
/** Longest possible session: the user index must outlive every session in it. */
const MAX_TTL_MS = 86_400_000

export function createSessions(d: SessionsDeps) {
  const now = d.now ?? Date.now

  async function create(
    input: {
      phone: string
      externalUserId?: string
      displayName?: string
      ttlSeconds?: number
      variables?: Record<string, string>
    },
    ctx: { keyId: string; clientIp: string | null },
  ) {
    const token = newToken()
    const tokenHash = hashToken(token)
    const createdAt = now()
    const ttlMs = (input.ttlSeconds ?? d.defaultTtlSeconds) * 1000
    const userId = pseudonymOf(d.userIdSecret, input.phone)
    const user: SessionUser = {
      sessionId: randomUUID(),
      userId,
      phoneMasked: maskPhone(input.phone),
      cozeUserId: d.cozeUserIdMode === 'phone' ? input.phone : userId,
      displayName: input.displayName ?? null,
      expiresAt: createdAt + ttlMs,
      externalUserId: input.externalUserId ?? null,
      // Kept with the session record (its key is the token's hash): data website A chose to send.
      ...(input.variables && Object.keys(input.variables).length ? { variables: input.variables } : {}),
    }
    // The row and the two Redis keys are independent: written together (one Redis write, pipelined).
    // Should one fail, the token is never handed out, so a key left behind opens nothing.
    await Promise.all([
      d.store.insertSession({
        id: user.sessionId,
        userId,
        phoneMasked: user.phoneMasked,
        externalUserId: input.externalUserId ?? null,
        displayName: user.displayName,
        keyId: ctx.keyId,
        clientIp: ctx.clientIp,
        createdAt,
        expiresAt: user.expiresAt,
        revokedAt: null,
      }),
      d.kv.set(sessionKey(tokenHash), JSON.stringify(user), { ttlMs }),
      d.kv.sadd(userSessionsKey(userId), tokenHash, MAX_TTL_MS),
    ])
    return { token, expiresAt: new Date(user.expiresAt).toISOString(), sessionId: user.sessionId, user }
  }

  /** The session behind a bearer token, or undefined when unknown, expired or revoked. */
  async function resolve(token: string): Promise<SessionUser | undefined> {
    if (!token || token.length > 256) return undefined
    const raw = await d.kv.get(sessionKey(hashToken(token)))
    if (!raw) return undefined
    const user = JSON.parse(raw) as SessionUser
    return user.expiresAt > now() ? user : undefined
  }

  /** Ends one session (by token) or all of a user's sessions (by phone) at once; returns how many ended. */
  async function revoke(by: { token: string } | { phone: string }): Promise<number> {
    const at = now()
    if ('token' in by) {
      const tokenHash = hashToken(by.token)
      const raw = await d.kv.get(sessionKey(tokenHash))
      if (!raw) return 0
      const user = JSON.parse(raw) as SessionUser
      await d.kv.del(sessionKey(tokenHash))
      await d.kv.srem(userSessionsKey(user.userId), tokenHash)
      await d.store.revokeSessions({ id: user.sessionId }, at)
      return 1
    }
    const userId = pseudonymOf(d.userIdSecret, by.phone)
    const hashes = await d.kv.smembers(userSessionsKey(userId))
    const live = hashes.length ? await d.kv.del(...hashes.map(sessionKey)) : 0
    await d.kv.del(userSessionsKey(userId))
    const rows = await d.store.revokeSessions({ userId }, at)
    return Math.max(live, rows)
  }

  /** Who a phone number is in the archive and the audit log, without keeping the number. */
  const identify = (phone: string) => ({
    userId: pseudonymOf(d.userIdSecret, phone),
    phoneMasked: maskPhone(phone),
  })

  return { create, resolve, revoke, identify }
}

export type Sessions = ReturnType<typeof createSessions>
