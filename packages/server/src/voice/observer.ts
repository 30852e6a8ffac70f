/**
 * What the voice feature tells the outside world: the audit trail (issue 7: ticket issued, connection
 * opened/closed with duration and bytes) registers here through `voice.addObserver()`
 * (`audit/voice-observer.ts`); `loggingObserver` writes the same facts as pino lines.
 */
import type { Logger } from 'pino'
import type { VoicePurpose } from './tickets'

export interface VoiceConnectionInfo {
  connectionId: string
  userId: string
  sessionId: string
  purpose: VoicePurpose
  requestId: string
  clientIp: string
}

/** One closed voice WebSocket, as measured by the proxy. */
export interface VoiceConnectionSummary extends VoiceConnectionInfo {
  durationMs: number
  /** Frames and bytes from the browser to Coze, and from Coze to the browser (error frames included). */
  framesIn: number
  bytesIn: number
  framesOut: number
  bytesOut: number
  /** Audio counted against the daily budget. */
  audioSeconds: number
  /** Highest `bufferedAmount` seen on each outgoing socket (the proxy's own queue). */
  peakBufferedToBrowser: number
  peakBufferedToCoze: number
  /** How often reading from the faster side was paused for backpressure. */
  pausesOfCoze: number
  pausesOfBrowser: number
  /** Close code sent to the browser, and why the connection ended. */
  closeCode: number
  reason: string
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
