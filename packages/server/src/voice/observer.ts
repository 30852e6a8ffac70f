/**
 * What the voice feature tells the outside world: the audit trail (issue 7: ticket issued, connection
 * opened/closed with duration and bytes) registers here through `voice.addObserver()`
 * (`app/audit-voice-observer.ts`); `loggingObserver` writes the same facts as pino lines.
 */
import type { Logger } from 'pino'
import type { BridgeResult } from './bridge'
import type { VoicePurpose } from './tickets'

export interface VoiceConnectionInfo {
  connectionId: string
  userId: string
  sessionId: string
  purpose: VoicePurpose
  requestId: string
  clientIp: string
}

/** One closed voice WebSocket, as measured by the proxy (see `BridgeResult` for each figure). */
export interface VoiceConnectionSummary extends VoiceConnectionInfo, BridgeResult {
  durationMs: number
}

export interface VoiceObserver {
  ticketIssued?(e: { userId: string; sessionId: string; purpose: VoicePurpose; clientIp: string }): void
  connectionOpened?(e: VoiceConnectionInfo): void
  connectionClosed?(e: VoiceConnectionSummary): void
  /** A REST fallback call finished (`speech` or `transcriptions`). */
  restCall?(e: {
    userId: string
    call: 'speech' | 'transcriptions'
    bytes: number
    audioSeconds: number
  }): void
}

/** The default audit stand-in: one info line per fact, no tokens, no tickets. */
export function loggingObserver(log: Logger): VoiceObserver {
  return {
    ticketIssued: (e) => log.info({ voice: e }, 'voice ticket issued'),
    connectionOpened: (e) => log.info({ voice: e }, 'voice connection opened'),
    connectionClosed: (e) => log.info({ voice: e }, 'voice connection closed'),
    restCall: (e) => log.info({ voice: e }, 'voice REST call'),
  }
}

/** Calls every observer; one that throws is logged and does not stop the others or the voice flow. */
export function combineVoiceObservers(list: VoiceObserver[], onError: (err: unknown) => void) {
  const call = <K extends keyof VoiceObserver>(
    name: K,
    arg: Parameters<NonNullable<VoiceObserver[K]>>[0],
  ) => {
    for (const o of list) {
      try {
        ;(o[name] as ((a: typeof arg) => void) | undefined)?.(arg)
      } catch (err) {
        onError(err)
      }
    }
  }
  return { call, add: (o: VoiceObserver) => void list.push(o) }
}
