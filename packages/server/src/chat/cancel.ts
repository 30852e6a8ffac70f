/**
 * Cancel (SPEC §2.4, issue 5) from any instance: the owner of the answer gets it on its next heartbeat
 * (or at once when it is this instance), calls Coze's cancel and archives `cancelled` with what arrived.
 * An orphaned answer is cancelled at Coze here and archived by recovery.
 */
import type { Logger } from 'pino'
import type { CozeClient } from '../coze/client'
import { VcError } from '../errors'
import type { SessionUser } from '../identity/sessions'
import type { Store } from '../store/types'
import type { ChatObserver } from './observer'
import type { Recovery } from './recovery'
import type { Running } from './running'

export interface CancellerDeps {
  store: Store
  running: Running
  recovery: Recovery
  coze: CozeClient
  log: Logger
  observer: Required<ChatObserver>
}

export function createCanceller(d: CancellerDeps) {
  return {
    async cancel(
      user: SessionUser,
      messageId: string,
      from: { clientIp: string | null; userAgent: string | null; requestId?: string },
    ) {
      const row = await d.store.getMessage(user.userId, messageId)
      if (!row) throw new VcError('VC_ERR_MESSAGE_NOT_FOUND')
      if (row.status !== 'in_progress') return { messageId, status: row.status }
      d.observer.chatCancelled({
        user,
        messageId,
        conversationId: row.conversationId,
        ...from,
      })
      if (await d.running.requestCancel(messageId)) return { messageId, status: 'cancelling' }
      if (row.cozeChatId) {
        await d.coze.cancelChat(row.conversationId, row.cozeChatId).catch((err: unknown) => {
          d.log.warn({ err, messageId }, 'Coze cancel of an orphaned answer failed')
        })
      }
      void d.recovery.recover(row)
      return { messageId, status: 'cancelling' }
    },
  }
}

export type Canceller = ReturnType<typeof createCanceller>
