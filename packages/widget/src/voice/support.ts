/**
 * What this browser can do for voice, and how a failure reads to the user. Text chat never depends on
 * any of it: a missing API only hides nothing and shows a message when the voice button is pressed.
 */
import { VcApiError } from '../api/http'
import type { MessageKey } from '../i18n'

type Env = {
  navigator?: { mediaDevices?: { getUserMedia?: unknown } }
  AudioContext?: unknown
  webkitAudioContext?: unknown
  WebSocket?: unknown
}

export const audioContextCtor = (g: Env = globalThis as Env): (new () => AudioContext) | undefined =>
  (g.AudioContext ?? g.webkitAudioContext) as (new () => AudioContext) | undefined

/** Dictation: a microphone (secure contexts only), Web Audio and WebSocket. */
export const canDictate = (g: Env = globalThis as Env) =>
  typeof g.navigator?.mediaDevices?.getUserMedia === 'function' && !!audioContextCtor(g) && !!g.WebSocket

/** Read-aloud: Web Audio and WebSocket. */
export const canSpeak = (g: Env = globalThis as Env) => !!audioContextCtor(g) && !!g.WebSocket

/** The message a voice failure shows, beside the input; the text chat carries on. */
export function voiceProblem(err: unknown): MessageKey {
  const name = (err as { name?: unknown } | null)?.name
  // getUserMedia's DOMExceptions (Media Capture and Streams §9.2); older Chrome said PermissionDeniedError.
  if (name === 'NotAllowedError' || name === 'PermissionDeniedError' || name === 'SecurityError') {
    return 'voicePermission'
  }
  if (name === 'NotFoundError' || name === 'NotReadableError' || name === 'OverconstrainedError') {
    return 'voiceNoMic'
  }
  if (name === 'NotSupportedError') return 'voiceUnsupported'
  if (err instanceof VcApiError && err.status === 429) return 'rateLimitedSoon'
  if (err instanceof VcApiError && err.status === 401) return 'auth'
  return 'voiceFailed'
}
