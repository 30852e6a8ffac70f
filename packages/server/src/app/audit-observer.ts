/** Chat start, end and cancel into the audit log, through the relay's observer hooks (issue 6). */
import type { ChatContext, ChatObserver } from '../chat/observer'
import type { Audit } from '../audit/audit'

const from = (c: Omit<ChatContext, 'conversationId'>) => ({
  user: c.user,
  clientIp: c.clientIp,
  userAgent: c.userAgent,
  requestId: c.requestId ?? null,
})

/** Each `void audit.record(…)` cannot reject: `record` never throws, and the audit's stop flushes it. */
export function auditObserver(audit: Audit): ChatObserver {
  return {
    chatStarted(c) {
      void audit.record({
        action: 'chat.start',
        outcome: 'allowed',
        ...from(c),
        detail: { messageId: c.messageId, conversationId: c.conversationId },
      })
    },
    chatEnded(c, outcome) {
      void audit.record({
        action: 'chat.end',
        outcome: 'allowed',
        reason: outcome.status,
        ...from(c),
        detail: { messageId: c.messageId, errorCode: outcome.errorCode, durationMs: outcome.durationMs },
      })
    },
    // Its answer ends on a peer (recovery), which archives it: here the chat ends by being handed over.
    chatHandedOver(c) {
      void audit.record({
        action: 'chat.end',
        outcome: 'allowed',
        reason: 'handed_over',
        ...from(c),
        detail: { messageId: c.messageId },
      })
    },
    chatCancelled(c) {
      void audit.record({
        action: 'chat.cancel',
        outcome: 'allowed',
        ...from(c),
        detail: { messageId: c.messageId, conversationId: c.conversationId ?? null },
      })
    },
  }
}
