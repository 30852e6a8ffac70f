/** Voice ticket issue into the audit log (issue 6), through the voice feature's observer hooks. */
import type { VoiceObserver } from '../voice/observer'
import type { Audit } from './audit'

export function auditVoiceObserver(audit: Audit): VoiceObserver {
  return {
    ticketIssued(e) {
      void audit.record({
        action: 'voice.ticket',
        outcome: 'allowed',
        user: { userId: e.userId },
        clientIp: e.clientIp,
        detail: { sessionId: e.sessionId, purpose: e.purpose },
      })
    },
  }
}
