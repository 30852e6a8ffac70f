/**
 * Cancel (SPEC §2.4, issue 5) from any instance: Coze's cancel is called here once the Coze chat id is
 * known; then the owner of the answer gets the cancel on its next heartbeat (or at once when it is this
 * instance) and archives `cancelled` with what arrived. An orphaned answer is archived by recovery.
 */
import type { Logger } from 'pino'
import { CozeApiError, type CozeClient } from '../core/coze/client'
import { VcError } from '../core/errors'
import type { MessageRepository } from '../store/types'
import type { ChatObserver } from './observer'
import { failureOf, httpError } from './outcome'
import type { Recovery } from './recovery'
import type { Running } from './running'
import type { SessionUser } from '../core/session-user'

export interface CancellerDeps {
  store: MessageRepository
  running: Running
  recovery: Recovery
  coze: CozeClient
  log: Logger
  observer: Required<ChatObserver>
}

export function createCanceller(d: CancellerDeps) {
  /** Any failure but a 4101 is only logged: the relay (or recovery) still stops and archives the answer. */
  async function cancelAtCoze(conversationId: string, chatId: string, messageId: string) {
    try {
      await d.coze.cancelChat(conversationId, chatId)
    } catch (err) {
      if (err instanceof CozeApiError && err.forbidden) throw httpError(failureOf(err))
      d.log.warn({ err, messageId }, 'Coze cancel failed')
    }
  }

  return {
    async cancel(
      user: SessionUser,
      messageId: string,
      from: { clientIp: string | null; userAgent: string | null; requestId?: string },
    ) {
      const row = await d.store.getMessage(user.userId, messageId)
      if (!row) throw new VcError('VC_ERR_MESSAGE_NOT_FOUND')
      if (row.status !== 'in_progress') return { messageId, status: row.status }
      // Coze first, while the answer still streams: when the app lacks cancelChat (4101) the widget is
      // told and the answer goes on untouched, instead of a stop Coze would not honour (SPEC §2.7).
      if (row.cozeChatId) await cancelAtCoze(row.conversationId, row.cozeChatId, messageId)
      d.observer.chatCancelled({
        user,
        messageId,
        conversationId: row.conversationId,
        ...from,
      })
      if (await d.running.requestCancel(messageId)) return { messageId, status: 'cancelling' }
      void d.recovery.recover(row) // cannot reject: `recover` logs its failures; its stop awaits it
      return { messageId, status: 'cancelling' }
    },
  }
}

export type Canceller = ReturnType<typeof createCanceller>
