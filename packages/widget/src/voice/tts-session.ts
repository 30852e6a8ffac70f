/**
 * One read-aloud over `GET /api/voice/tts?ticket=` (coze-protocol §5.3): the text goes out as
 * `input_text_buffer.append` frames and one `input_text_buffer.complete`; each `speech.audio.update`
 * hands its decoded PCM to `onAudio` in arrival order; `speech.audio.completed` ends the session.
 */
import {
  encodeFrame,
  parseFrame,
  voiceSocketUrl,
  VOICE_INTERRUPTED,
  VoiceError,
  type SocketCtor,
  type SocketLike,
  type VoiceSocketDeps,
} from './frames'
import { fromBase64 } from './pcm'

/** Text per `append` frame (characters): small frames keep the relay's `maxPayload` far away. */
export const TEXT_CHUNK = 500

export interface TtsSession {
  /** Resolves when all audio arrived (or after `stop()`); rejects with `VoiceError` or the ticket's error. */
  done: Promise<void>
  stop(): void
}

/** @example const s = startTts(deps, 'Hello', (pcm) => player.enqueue(pcm)); await s.done */
export function startTts(
  deps: VoiceSocketDeps,
  text: string,
  onAudio: (pcm: Uint8Array) => void,
): TtsSession {
  let socket: SocketLike | null = null
  let ended = false
  let resolve!: () => void
  let reject!: (err: unknown) => void
  const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)))
  const finish = (err?: unknown) => {
    if (ended) return
    ended = true
    if (socket && socket.readyState <= 1) socket.close(1000)
    if (err) reject(err)
    else resolve()
  }

  void (async () => {
    const ticket = await deps.getTicket('tts')
    if (ended) return
    const Ctor = deps.WebSocket ?? (globalThis.WebSocket as unknown as SocketCtor)
    const ws = (socket = new Ctor(voiceSocketUrl(deps.apiBase(), 'tts', ticket)))
    // Frames sent before Coze answers are held by the service and relayed after `speech.created`.
    ws.onopen = () => {
      for (let i = 0; i < text.length; i += TEXT_CHUNK) {
        ws.send(encodeFrame('input_text_buffer.append', { delta: text.slice(i, i + TEXT_CHUNK) }))
      }
      ws.send(encodeFrame('input_text_buffer.complete'))
    }
    ws.onmessage = (ev) => {
      const f = parseFrame(ev.data)
      if (!f || ended) return
      if (f.event_type === 'speech.audio.update' && typeof f.data?.delta === 'string') {
        try {
          onAudio(fromBase64(f.data.delta))
        } catch (err) {
          finish(new VoiceError('VOICE_BAD_AUDIO', String((err as Error)?.message ?? err)))
        }
      } else if (f.event_type === 'speech.audio.completed') finish()
      else if (f.event_type === 'error') finish(frameError(f.data))
    }
    ws.onclose = () => finish(new VoiceError(VOICE_INTERRUPTED))
  })().catch(finish)

  return { done, stop: () => finish() }
}

/** An `error` frame: `data.code` is Coze's number or the service's catalogue code. */
export function frameError(data: Record<string, unknown> | undefined): VoiceError {
  const code = data?.code
  const msg = data?.msg ?? data?.message
  return new VoiceError(
    code === undefined ? 'VOICE_ERROR' : String(code),
    typeof msg === 'string' ? msg : 'voice error',
  )
}
