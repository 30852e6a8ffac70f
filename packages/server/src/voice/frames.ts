/**
 * Frames on the voice WebSockets, in Coze's envelope (coze-protocol §5.2). Only the client events of
 * §5.3 (TTS) and §5.4 (ASR) reach Coze, re-serialised with just `id`, `event_type` and `data`; the
 * service's own errors go to the browser as Coze-style `error` frames with a string `code`.
 */
import { randomUUID } from 'node:crypto'
import { codes, wireCode, type ErrorKey } from '../core/errors'
import type { VoicePurpose } from './tickets'

export const CLIENT_EVENTS: Record<VoicePurpose, ReadonlySet<string>> = {
  tts: new Set(['speech.update', 'input_text_buffer.append', 'input_text_buffer.complete']),
  asr: new Set([
    'transcriptions.update',
    'input_audio_buffer.append',
    'input_audio_buffer.complete',
    'input_audio_buffer.clear',
  ]),
}

/** Server events after which Coze has nothing more to send for this round. */
export const TERMINAL_EVENTS: ReadonlySet<string> = new Set([
  'speech.audio.completed',
  'transcriptions.message.completed',
])

/**
 * Coze's auth failures on a WebSocket (coze-protocol §5.2, §6). Not 4101: the credential lacks this
 * API only (protocol §9 row 1), a feature failure that never drops the credential.
 */
export const AUTH_CODES: ReadonlySet<number> = new Set([4100, 700012006])
export const FORBIDDEN_CODE = 4101

export interface ClientFrame {
  eventType: string
  data: Record<string, unknown> | undefined
  /** What is sent to Coze. */
  text: string
}

export type Parsed = { ok: true; frame: ClientFrame } | { ok: false; reason: string }

const ID = /^[\w.:-]{1,64}$/
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Checks one browser frame against the purpose's allowlist; `text` is undefined for binary frames. */
export function parseClientFrame(purpose: VoicePurpose, text: string | undefined): Parsed {
  if (text === undefined) return { ok: false, reason: 'Binary frames are not accepted: send JSON events' }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'The frame is not JSON' }
  }
  if (!isObject(value) || typeof value.event_type !== 'string') {
    return { ok: false, reason: 'The frame is not an event with an event_type' }
  }
  const { id, event_type: eventType, data } = value
  if (!CLIENT_EVENTS[purpose].has(eventType)) {
    return { ok: false, reason: `"${eventType.slice(0, 64)}" is not accepted on the ${purpose} connection` }
  }
  if (id !== undefined && (typeof id !== 'string' || !ID.test(id))) {
    return { ok: false, reason: 'id must be 1–64 of [A-Za-z0-9_.:-]' }
  }
  if (data !== undefined && !isObject(data)) return { ok: false, reason: 'data must be an object' }
  if (eventType.endsWith('_buffer.append') && typeof data?.delta !== 'string') {
    return { ok: false, reason: `${eventType} needs data.delta as a string` }
  }
  const frame = { ...(id === undefined ? {} : { id }), event_type: eventType, ...(data && { data }) }
  return { ok: true, frame: { eventType, data, text: JSON.stringify(frame) } }
}

/** What the proxy needs from a Coze frame: its type, and for audio updates the base64 payload. */
export function peekServerFrame(text: string): { eventType?: string; data?: Record<string, unknown> } {
  try {
    const v: unknown = JSON.parse(text)
    if (!isObject(v)) return {}
    return {
      eventType: typeof v.event_type === 'string' ? v.event_type : undefined,
      data: isObject(v.data) ? v.data : undefined,
    }
  } catch {
    return {}
  }
}

/**
 * The service's own `error` frame: Coze's envelope, with the catalogue's wire code; `detail.logid` is the
 * request id of the upgrade, the id to quote in a support request.
 */
export function errorFrame(key: ErrorKey, requestId: string, message?: string): string {
  return JSON.stringify({
    id: randomUUID(),
    event_type: 'error',
    data: { code: wireCode(key), msg: message ?? codes[key].message },
    detail: { logid: requestId, respond_at: String(Date.now()) },
  })
}
