/**
 * The keys one answer takes (SPEC §2.2): the idempotency reservation of a `clientMessageId`, and the
 * conversation's lock, which a new topic (topics.ts) takes too, so a send and a clear never interleave.
 * A holder is a message id, or a `topic:` id while a clear runs; either holds a lease (running.ts), so a
 * holder that died is told from one still at work.
 */
import { VcError } from '../core/errors'
import { keys } from '../core/kv/keys'
import type { Locks } from '../core/kv/locks'
import type { Logger } from 'pino'
import type { MessageRepository } from '../store/types'
import type { Running } from './running'
import type { SessionUser } from '../core/session-user'

export interface LockDeps {
  locks: Locks
  store: Pick<MessageRepository, 'getMessage'>
  running: Pick<Running, 'ownerOf'>
  log: Pick<Logger, 'warn'>
}

const TOPIC = 'topic:'

/** A holder id for a clear (never a message id: a busy send is not told to attach to it). */
export const topicHolder = (id: string) => `${TOPIC}${id}`

/** The 409 for a conversation held by `holder`: the running answer's id, for the widget to attach. */
export function busyError(holder: string | null): VcError {
  const messageId = holder && !holder.startsWith(TOPIC) ? holder : undefined
  return new VcError('VC_ERR_CONVERSATION_BUSY', undefined, messageId ? { messageId } : undefined)
}

export function createKeyLocks(d: LockDeps) {
  /**
   * Takes `key` for `holder`. A key held by a message that has no row and whose instance is dead
   * (killed between reserving and T1) is taken over, or it would refuse the user for its whole TTL.
   * With `lock`, so is a key whose answer has ended (archived final): its unlock was lost to a Redis
   * fault, and the conversation is free.
   */
  async function acquire(user: SessionUser, key: string, holder: string, ttlMs: number, lock = false) {
    if (await d.locks.acquire(key, holder, ttlMs)) return true
    const current = await d.locks.holder(key)
    if (!current) return false
    const row = current.startsWith(TOPIC) ? undefined : await d.store.getMessage(user.userId, current)
    const stale = row ? lock && row.status !== 'in_progress' : (await d.running.ownerOf(current)) === 'orphan'
    if (!stale) return false
    d.log.warn({ key: key.split(':')[0], holder: current }, 'taking over a key its holder no longer needs')
    return (await d.locks.release(key, current)) && d.locks.acquire(key, holder, ttlMs)
  }

  return {
    acquire,
    /** The conversation's lock for `holder`: its unlock (once), or undefined while someone holds it. */
    async lockConversation(user: SessionUser, conversationId: string, holder: string, ttlMs: number) {
      const key = keys.conversationBusy(conversationId)
      if (!(await acquire(user, key, holder, ttlMs, true))) return undefined
      return once(() => d.locks.release(key, holder))
    },
    /** Who holds the conversation now (for the 409). */
    holderOf: (conversationId: string) => d.locks.holder(keys.conversationBusy(conversationId)),
  }
}

export type KeyLocks = ReturnType<typeof createKeyLocks>

/**
 * `f` run at most once; later calls get the first call's promise. A synchronous throw is that promise's
 * rejection: an unlock fails like any cleanup step (bounded, logged), never in its caller's face.
 */
export function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined
  return () => (p ??= attempt(f))
}

function attempt<T>(f: () => Promise<T>): Promise<T> {
  try {
    return f()
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}
