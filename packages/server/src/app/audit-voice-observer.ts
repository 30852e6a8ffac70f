/** Voice tickets and connections into the audit log (issues 6, 7), through the voice observer hooks. */
import type { VoiceObserver } from '../voice/observer'
import type { Audit } from '../audit/audit'

/** Each `void audit.record(…)` cannot reject: `record` never throws, and the audit's stop flushes it. */
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
    connectionOpened(e) {
      void audit.record({
        action: 'voice.open',
        outcome: 'allowed',
        user: { userId: e.userId },
        clientIp: e.clientIp,
        requestId: e.requestId,
        detail: { sessionId: e.sessionId, purpose: e.purpose, connectionId: e.connectionId },
      })
    },
    connectionClosed(e) {
      void audit.record({
        action: 'voice.close',
        outcome: 'allowed',
        reason: e.reason,
        user: { userId: e.userId },
        clientIp: e.clientIp,
        requestId: e.requestId,
        detail: {
          connectionId: e.connectionId,
          purpose: e.purpose,
          durationMs: e.durationMs,
          bytesIn: e.bytesIn,
          bytesOut: e.bytesOut,
          audioSeconds: e.audioSeconds,
          closeCode: e.closeCode,
        },
      })
    },
  }
}
