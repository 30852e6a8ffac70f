/**
 * "New topic" (SPEC §2.4 `POST /api/chat/clear`, issue 21): Coze clears a conversation's context (a new
 * section, coze-protocol §3) so the next question starts afresh, e.g. after CONTEXT_TOO_LONG; the
 * messages and our archive stay. Only the owner's conversation, and never beside an answer: the clear
 * holds the conversation's lock (relay-lock.ts) while Coze clears, so a send meanwhile gets 409 and a
 * clear under a running answer too (a new section mid-answer would cut its context).
 */
import { randomUUID } from 'node:crypto'
import type { CozeClient } from '../core/coze/client'
import { VcError } from '../core/errors'
import type { ConversationRepository } from '../store/types'
import { failureOf, httpError } from './outcome'
import { busyError, createKeyLocks, topicHolder, type LockDeps } from './relay-lock'
import type { Running } from './running'
import type { SessionUser } from '../core/session-user'

export interface TopicsDeps extends Omit<LockDeps, 'store' | 'running'> {
  store: LockDeps['store'] & Pick<ConversationRepository, 'getConversation' | 'markNewTopic'>
  running: Pick<Running, 'hold' | 'release' | 'ownerOf'>
  coze: Pick<CozeClient, 'clearConversation'>
  /** The lock's TTL: longer than Coze's clear can take (the client's idle timeout), freed at once after. */
  lockTtlMs?: number
}

export function createTopics(d: TopicsDeps) {
  const locks = createKeyLocks(d)
  const ttlMs = d.lockTtlMs ?? 5 * 60_000
  const freeFailed = (err: unknown) => d.log.warn({ err }, 'could not free a conversation after a clear')

  return {
    /** Clears the context of `conversationId`; 404 for someone else's, 409 while an answer runs there. */
    async clear(user: SessionUser, conversationId: string) {
      const own = await d.store.getConversation(user.userId, conversationId)
      if (!own) throw new VcError('VC_ERR_CONVERSATION_NOT_FOUND') // never proxied: ids are not proof
      // A lease under the holder id: a send finding the lock tells a live clear from a dead one.
      const holder = topicHolder(randomUUID())
      const lease = d.running.hold(holder)
      try {
        await lease
        const unlock = await locks.lockConversation(user, conversationId, holder, ttlMs)
        if (!unlock) throw busyError(await locks.holderOf(conversationId))
        try {
          const section = await d.coze.clearConversation(conversationId).catch((err: unknown) => {
            throw httpError(failureOf(err))
          })
          // The archive shows where the topic changed (history `newTopicAt`); Coze's clear stands either way.
          await d.store.markNewTopic(user.userId, conversationId, Date.now()).catch((err: unknown) => {
            d.log.warn({ err, conversationId }, 'could not archive where the new topic began')
          })
          return { conversationId, sectionId: section.id }
        } finally {
          await unlock().catch(freeFailed) // a lost unlock ends with the TTL
        }
      } finally {
        await lease.catch(freeFailed)
        await d.running.release(holder).catch(freeFailed)
      }
    },
  }
}

export type Topics = ReturnType<typeof createTopics>
