/**
 * "New topic" (SPEC §2.4 `POST /api/chat/clear`, issue 21): Coze clears a conversation's context (a new
 * section, coze-protocol §3) so the next question starts afresh, e.g. after CONTEXT_TOO_LONG; the
 * messages and our archive stay. Only the owner's conversation, and never under a running answer.
 */
import type { CozeClient } from '../coze/client'
import { VcError } from '../errors'
import type { SessionUser } from '../identity/sessions'
import { keys } from '../kv/keys'
import type { Kv } from '../kv/types'
import type { Store } from '../store/types'
import { failureOf, httpError } from './outcome'

export interface TopicsDeps {
  store: Pick<Store, 'getConversation' | 'getMessage'>
  kv: Pick<Kv, 'get'>
  coze: Pick<CozeClient, 'clearConversation'>
}

export function createTopics(d: TopicsDeps) {
  /** The answer holding the conversation (the relay's busy lock), unless it has already ended. */
  async function runningIn(user: SessionUser, conversationId: string): Promise<string | undefined> {
    const holder = await d.kv.get(keys.conversationBusy(conversationId))
    if (!holder) return undefined
    // A lock whose answer is archived final is one whose unlock was lost: the relay takes it over too.
    const row = await d.store.getMessage(user.userId, holder)
    return row && row.status !== 'in_progress' ? undefined : holder
  }

  return {
    /**
     * Clears the context of `conversationId`; 404 for someone else's, 409 while an answer runs there
     * (a new section under a running chat would cut its context mid-answer).
     */
    async clear(user: SessionUser, conversationId: string) {
      const own = await d.store.getConversation(user.userId, conversationId)
      if (!own) throw new VcError('VC_ERR_CONVERSATION_NOT_FOUND') // never proxied: ids are not proof
      const running = await runningIn(user, conversationId)
      if (running) throw new VcError('VC_ERR_CONVERSATION_BUSY', undefined, { messageId: running })
      const section = await d.coze.clearConversation(conversationId).catch((err: unknown) => {
        throw httpError(failureOf(err))
      })
      return { conversationId, sectionId: section.id }
    },
  }
}

export type Topics = ReturnType<typeof createTopics>
