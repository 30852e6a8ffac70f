/**
 * The identity swap (SPEC §2.1): a phone number from website A's backend becomes an opaque token.
 * The `chat_session` row is the session's record (SHA-256 of the token, expiry, revocation, what Coze
 * sees as `user_id`, website A's variables); Redis is its cache: SHA-256(token) → session, with the
 * session's TTL. A Redis miss (an empty Redis after a restart, an evicted key) reads the row and refills
 * the cache, so users keep their sessions. Neither keeps the token or the full phone number: in
 * `COZE_USER_ID_MODE=phone` Coze's `user_id` is the phone, so the row holds no `coze_user_id` and such a
 * session lives only in Redis (after an empty Redis those users sign in again).
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { keys } from '../core/kv/keys'
import type { Kv } from '../core/kv/types'
import type { SessionRepository } from '../store/types'
import { maskPhone, pseudonymOf } from '../core/phone'
import type { Revocations } from './revocations'
import { newToken, hashToken } from '../core/token'
import type { SessionUser } from '../core/session-user'
import type { NewSession, Sessions } from './types'

export type { Sessions } from './types'

export interface SessionsDeps {
  kv: Kv
  store: SessionRepository
  userIdSecret: string
  cozeUserIdMode: 'pseudonym' | 'phone'
  defaultTtlSeconds: number
  /** Tells every instance what a revoke ended, so open streams and voice sockets close (issue 20 #7). */
  revocations: Revocations
  log?: Pick<Logger, 'warn'>
  now?: () => number
}

const sessionKey = keys.session
/**
 * A user's live sessions (for revoke by phone): token hashes scored by expiry. Every write drops the
 * expired ones and sets the index's own expiry to its latest session's, so it never grows without bound
 * and never outlives the sessions in it.
 */
const userSessionsKey = keys.userSessions

export function createSessions(d: SessionsDeps): Sessions {
  const now = d.now ?? Date.now

  async function create(input: NewSession, ctx: { keyId: string; clientIp: string | null }) {
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
      ...variablesOf(input.variables),
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
        tokenHash,
        // Never the phone number: in phone mode the session cannot be rebuilt from the row.
        cozeUserId: d.cozeUserIdMode === 'phone' ? null : user.cozeUserId,
        variables: user.variables ?? null,
      }),
      d.kv.set(sessionKey(tokenHash), JSON.stringify(user), { ttlMs }),
      d.kv.zaddExpiring(userSessionsKey(userId), tokenHash, user.expiresAt, createdAt),
    ])
    return { token, expiresAt: new Date(user.expiresAt).toISOString(), sessionId: user.sessionId, user }
  }

  /** The session behind a bearer token, or undefined when unknown, expired or revoked. */
  async function resolve(token: string): Promise<SessionUser | undefined> {
    if (!token || token.length > 256) return undefined
    return resolveHash(hashToken(token))
  }

  async function resolveHash(tokenHash: string): Promise<SessionUser | undefined> {
    const raw = await d.kv.get(sessionKey(tokenHash))
    const user = raw ? (JSON.parse(raw) as SessionUser) : await fromRecord(tokenHash)
    return user && user.expiresAt > now() ? user : undefined
  }

  /**
   * A cache miss: the session rebuilt from its row and put back in Redis for the time it has left, or
   * undefined when the row is unknown, revoked, expired or cannot be rebuilt (phone mode). The refill is
   * best effort: the row answered, so a Redis fault here costs only the next request another read.
   */
  async function fromRecord(tokenHash: string): Promise<SessionUser | undefined> {
    const row = await d.store.getSessionByTokenHash(tokenHash)
    const ttlMs = row ? row.expiresAt - now() : 0
    if (!row || row.revokedAt !== null || ttlMs <= 0 || row.cozeUserId === null) return undefined
    const user: SessionUser = {
      sessionId: row.id,
      userId: row.userId,
      phoneMasked: row.phoneMasked,
      cozeUserId: row.cozeUserId,
      displayName: row.displayName,
      expiresAt: row.expiresAt,
      externalUserId: row.externalUserId,
      ...variablesOf(row.variables),
    }
    try {
      await Promise.all([
        d.kv.set(sessionKey(tokenHash), JSON.stringify(user), { ttlMs }),
        d.kv.zaddExpiring(userSessionsKey(user.userId), tokenHash, user.expiresAt, now()),
      ])
    } catch {
      // Best effort (see above).
    }
    // A revoke marks the row, then deletes the cache: one that ran between our read and our refill
    // is seen here, and the refill is undone (else the session would live on until its Redis expiry).
    if ((await d.store.getSessionByTokenHash(tokenHash))?.revokedAt !== null) {
      await d.kv.del(sessionKey(tokenHash)).catch((err: unknown) => {
        d.log?.warn({ err }, 'a revoked session stays in the cache until it expires')
      })
      return undefined
    }
    return user
  }

  /**
   * Ends one session (by token) or all of a user's sessions (by phone) at once; returns how many ended.
   * Then what they hold open closes on every instance. That is published even when nothing was left to
   * revoke, so a revoke retried after a failed publish still closes them.
   */
  async function revoke(by: { token: string } | { phone: string }): Promise<number> {
    const at = now()
    if ('token' in by) {
      const tokenHash = hashToken(by.token)
      const raw = await d.kv.get(sessionKey(tokenHash))
      if (!raw) {
        // Not cached (an empty Redis): the row is the record, so revoke it there.
        const row = await d.store.getSessionByTokenHash(tokenHash)
        if (!row) return 0
        const revoked = await d.store.revokeSessions({ id: row.id }, at)
        await d.revocations.publish({ userId: row.userId, tokenHashes: [tokenHash], allSessions: false })
        return revoked
      }
      const user = JSON.parse(raw) as SessionUser
      // The record first, then the cache: should the row's update fail, the cache still holds the session
      // (the revoke answered an error); the other way round a miss would rebuild it from the row.
      await d.store.revokeSessions({ id: user.sessionId }, at)
      await d.kv.del(sessionKey(tokenHash))
      await d.kv.zrem(userSessionsKey(user.userId), tokenHash)
      await d.revocations.publish({ userId: user.userId, tokenHashes: [tokenHash], allSessions: false })
      return 1
    }
    const userId = pseudonymOf(d.userIdSecret, by.phone)
    const rows = await d.store.revokeSessions({ userId }, at) // the record first (see above)
    const hashes = await d.kv.zrangeByScore(userSessionsKey(userId), -Infinity, Infinity)
    // Each session key is in its own cluster slot: the Kv deletes them slot by slot.
    const live = hashes.length ? await d.kv.del(...hashes.map(sessionKey)) : 0
    await d.kv.del(userSessionsKey(userId))
    await d.revocations.publish({ userId, tokenHashes: hashes, allSessions: true })
    return Math.max(live, rows)
  }

  /** Whether the session behind a token hash is still valid (a voice ticket records the hash). */
  const isLive = async (tokenHash: string) => (await resolveHash(tokenHash)) !== undefined

  /** Who a phone number is in the archive and the audit log, without keeping the number. */
  const identify = (phone: string) => ({
    userId: pseudonymOf(d.userIdSecret, phone),
    phoneMasked: maskPhone(phone),
  })

  return { create, resolve, revoke, identify, isLive, hold: d.revocations.hold }
}

/** `variables` as a session carries them: absent when website A sent none. */
const variablesOf = (v: Record<string, string> | null | undefined) =>
  v && Object.keys(v).length ? { variables: v } : {}

/** Moved to `core/token.ts`; re-exported for the importers this module had. */
export { hashToken }
