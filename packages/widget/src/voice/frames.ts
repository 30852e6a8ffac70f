/**
 * Coze's event envelope on the voice sockets (`{id?, event_type, data}`, coze-protocol §5.2) and the
 * socket URL. The service relays these frames as they are; the browser never sees a Coze token.
 */

export interface VoiceFrame {
  id?: string
  event_type: string
  data?: Record<string, unknown>
}

let seq = 0

/** @example encodeFrame('input_text_buffer.complete') // '{"id":"vc-…","event_type":"input_text_buffer.complete"}' */
export function encodeFrame(eventType: string, data?: Record<string, unknown>): string {
  const frame: VoiceFrame = {
    id: `vc-${Date.now().toString(36)}-${(seq++).toString(36)}`,
    event_type: eventType,
  }
  if (data) frame.data = data
  return JSON.stringify(frame)
}

/** Undefined for binary, non-JSON or envelope-less frames (ignored like unknown events). */
export function parseFrame(raw: unknown): VoiceFrame | undefined {
  if (typeof raw !== 'string') return undefined
  try {
    const f = JSON.parse(raw) as VoiceFrame
    if (typeof f !== 'object' || f === null || typeof f.event_type !== 'string') return undefined
    return { ...f, data: typeof f.data === 'object' && f.data !== null ? f.data : {} }
  } catch {
    return undefined
  }
}

/**
 * The WebSocket base for an API base: http → ws, https → wss; '' (the page's own origin) uses `origin`.
 * @example wsBase('https://chat.example/') // 'wss://chat.example'
 */
export function wsBase(apiBase: string, origin = globalThis.location?.origin ?? ''): string {
  return (apiBase || origin).replace(/\/+$/, '').replace(/^http/i, 'ws')
}

export type VoicePurpose = 'tts' | 'asr'

/** What a session needs from the widget: a fresh ticket (POST /api/voice/ticket) and where to connect. */
export interface VoiceSocketDeps {
  getTicket: (purpose: VoicePurpose) => Promise<string>
  apiBase: () => string
  /** Defaults to the browser's `WebSocket`; tests pass a fake. */
  WebSocket?: SocketCtor
}

export const voiceSocketUrl = (apiBase: string, purpose: VoicePurpose, ticket: string, origin?: string) =>
  `${wsBase(apiBase, origin)}/api/voice/${purpose}?ticket=${encodeURIComponent(ticket)}`

/** The parts of `WebSocket` the sessions use, so tests can pass a fake constructor. */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onerror: ((ev: unknown) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
}
export type SocketCtor = new (url: string) => SocketLike

/** A failure shown to the user: the service's `error` frame code, or one of ours (`VOICE_*`). */
export class VoiceError extends Error {
  override name = 'VoiceError'
  readonly code: string
  constructor(code: string, message = code) {
    super(message)
    this.code = code
  }
}

/** The socket closed (or failed) before the session finished. */
export const VOICE_INTERRUPTED = 'VOICE_INTERRUPTED'
