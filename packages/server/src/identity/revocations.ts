/**
 * Revocation reaches what is already open (issue 20 #7): a revoke on any instance ends the session's
 * answer streams and voice sockets on every instance. Each open thing is held here under its session
 * (token hash and user) while it is open; a revoke publishes the user and the revoked token hashes (never
 * a token) on one `Bus` channel, and every instance closes what it holds of them. The memory backend
 * (one instance) does the same in process.
 *
 * The bus delivers at most once: a message published while an instance's subscriber is reconnecting
 * is lost. So after each reconnect the instance checks every session it holds against the record and
 * closes the revoked ones.
 *
 * A revoke is not a cancel: the answer goes on at Coze and is archived as usual; only the revoked
 * session's view of it ends (SSE `error` `TOKEN_INVALID`, a voice `error` frame and close).
 */
import type { Logger } from 'pino'
import type { Bus } from '../core/kv/bus'
import { channels, keys } from '../core/kv/keys'
import type { Kv } from '../core/kv/types'
import type { SessionRepository } from '../store/types'
import type { HeldSession } from '../core/http/auth'

/** What one revoke ended. */
export interface Revocation {
  userId: string
  /** SHA-256 of each revoked token. */
  tokenHashes: string[]
  /**
   * Revoke by phone: every session the user had until now. Held sessions of the user not listed (a
   * session missing from the Redis index) are checked against the record, so one created after the
   * revoke stays open.
   */
  allSessions: boolean
}

export interface Revocations {
  /** Tells every instance, this one included, that these sessions ended. */
  publish(r: Revocation): Promise<void>
  /**
   * Holds something open under a session until the returned release is called; a revoke of the session
   * calls `close` once (also when it was revoked moments before the hold began). Release when it closes.
   *
   * @example
   * const release = revocations.hold(heldSessionOf(request), () => stream.end())
   * response.once('close', release)
   */
  hold(session: HeldSession, close: () => void): () => void
  close(): Promise<void>
}

/**
 * How long a revoked token hash is remembered here: a request that resolved its token just before the
 * revoke and holds its stream just after it is closed at once instead of missed.
 */
const REMEMBER_MS = 60_000

/**
 * Listens on the backend's bus (on Redis the instance's one subscriber connection, shared with the
 * stream log) and catches up after each of its reconnects.
 *
 * @example
 * const revocations = await openRevocations({ kv, bus, store, log })
 * await revocations.publish({ userId, tokenHashes: [hashToken(token)], allSessions: false })
 */
export async function openRevocations(d: {
  kv: Kv
  bus: Bus
  store: Pick<SessionRepository, 'getSessionByTokenHash'>
  log: Logger
}): Promise<Revocations> {
  const held = new Map<string, Map<string, Set<() => void>>>() // userId → token hash → closers
  const recent = new Map<string, number>() // revoked token hash → when it is forgotten

  /** Revoked: the cached session is gone and its row says revoked (an expired one is not revoked). */
  async function isRevoked(tokenHash: string) {
    if ((await d.kv.get(keys.session(tokenHash))) !== null) return false
    return ((await d.store.getSessionByTokenHash(tokenHash))?.revokedAt ?? null) !== null
  }

  function closeHeld(userId: string, tokenHash: string) {
    const closers = held.get(userId)?.get(tokenHash)
    if (!closers) return 0
    held.get(userId)!.delete(tokenHash)
    if (!held.get(userId)!.size) held.delete(userId)
    for (const close of closers) close()
    return closers.size
  }

  // `check` fails closed on a lookup; what is left is a closer that threw.
  const recheckFailed = (err: unknown) => d.log.warn({ err }, 'closing revoked sessions failed')

  /** Closes what these sessions of the user hold, for each that the record says was revoked. */
  async function check(userId: string, tokenHashes: Iterable<string>) {
    for (const tokenHash of [...tokenHashes]) {
      const revoked = await isRevoked(tokenHash).catch((err: unknown) => {
        // Fail closed: a live session's widget resumes with its token; a revoked one must not go on.
        d.log.warn({ err }, 'revocation check failed: closing what the session holds')
        return true
      })
      if (revoked) closeHeld(userId, tokenHash)
    }
  }

  function revoked(r: Revocation) {
    const now = Date.now()
    for (const [hash, until] of recent) if (until <= now) recent.delete(hash)
    for (const hash of r.tokenHashes) recent.set(hash, now + REMEMBER_MS)
    const closed = r.tokenHashes.reduce((n, hash) => n + closeHeld(r.userId, hash), 0)
    if (closed) d.log.info({ closed }, 'revoked sessions: open streams and sockets closed')
    const rest = held.get(r.userId)
    if (r.allSessions && rest) void check(r.userId, rest.keys()).catch(recheckFailed)
  }

  function hold(s: HeldSession, close: () => void) {
    let closers = held.get(s.userId)?.get(s.tokenHash)
    if (!closers) {
      const sessions = held.get(s.userId) ?? new Map<string, Set<() => void>>()
      held.set(s.userId, sessions)
      sessions.set(s.tokenHash, (closers = new Set()))
    }
    closers.add(close)
    // Revoked just before: closed once the caller has its release.
    if ((recent.get(s.tokenHash) ?? 0) > Date.now()) queueMicrotask(() => closeHeld(s.userId, s.tokenHash))
    return () => {
      const set = held.get(s.userId)?.get(s.tokenHash)
      if (!set?.delete(close) || set.size) return
      held.get(s.userId)!.delete(s.tokenHash)
      if (!held.get(s.userId)!.size) held.delete(s.userId)
    }
  }

  const unsubscribe = await d.bus.subscribe(
    channels.sessionsRevoked,
    (text) => {
      const r = parseRevocation(text)
      if (r) revoked(r)
      else d.log.warn('ignored a malformed revocation message')
    },
    {
      // Back after a reconnect: what was revoked while the subscriber was away is in the record.
      onResubscribed: () =>
        void Promise.all([...held].map(([userId, sessions]) => check(userId, sessions.keys()))).catch(
          recheckFailed,
        ),
    },
  )
  return {
    async publish(r) {
      revoked(r) // at once here; the other instances hear it on the bus (and this one again, harmlessly)
      await d.bus.publish(channels.sessionsRevoked, JSON.stringify(r))
    },
    hold,
    async close() {
      held.clear()
      await unsubscribe()
    },
  }
}

function parseRevocation(text: string): Revocation | undefined {
  try {
    const r = JSON.parse(text) as Partial<Revocation>
    const ok =
      typeof r.userId === 'string' &&
      Array.isArray(r.tokenHashes) &&
      r.tokenHashes.every((h) => typeof h === 'string') &&
      typeof r.allSessions === 'boolean'
    return ok ? (r as Revocation) : undefined
  } catch {
    return undefined // reported by the caller
  }
}
