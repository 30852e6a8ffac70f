/**
 * One dictation over `GET /api/voice/asr?ticket=` (coze-protocol §5.4): `transcriptions.update` announces
 * PCM 16 kHz 16-bit mono, audio goes out as `input_audio_buffer.append` frames of about 100 ms, and
 * `input_audio_buffer.complete` ends it. Each `transcriptions.message.update` carries the FULL text so far,
 * so `onText` always gets the whole transcript, never a delta.
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
import { ASR_RATE, toBase64 } from './pcm'
import { frameError } from './tts-session'

/** 100 ms of 16 kHz 16-bit mono. */
export const APPEND_BYTES = (ASR_RATE / 10) * 2

export const INPUT_AUDIO = { format: 'pcm', codec: 'pcm', sample_rate: ASR_RATE, channel: 1, bit_depth: 16 }

export interface AsrSession {
  /** Queues PCM 16 kHz 16-bit LE mono; sent once the socket is open, in order. */
  push(pcm: Uint8Array): void
  /** No more audio: sends the rest and `complete`; resolves with the final transcript. */
  finish(): Promise<string>
  /** Drops the dictation; `done` resolves with the text so far. */
  cancel(): void
  /** The final transcript; rejects with `VoiceError` (or the ticket's error). */
  done: Promise<string>
}

export interface AsrOptions {
  /** After `complete`, how long to wait for `transcriptions.message.completed` before keeping what came. */
  finalTimeoutMs?: number
}

export function startAsr(
  deps: VoiceSocketDeps,
  onText: (fullText: string) => void,
  opts: AsrOptions = {},
): AsrSession {
  let socket: SocketLike | null = null
  let open = false
  let finishing = false
  let ended = false
  let text = ''
  let timer: ReturnType<typeof setTimeout> | undefined
  // Audio not yet sent: whole frames waiting for the socket, and the partial frame being filled.
  const frames: Uint8Array[] = []
  let partial: Uint8Array[] = []
  let partialBytes = 0

  let resolve!: (t: string) => void
  let reject!: (err: unknown) => void
  const done = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)))
  const end = (err?: unknown) => {
    if (ended) return
    ended = true
    clearTimeout(timer)
    if (socket && socket.readyState <= 1) socket.close(1000)
    if (err) reject(err)
    else resolve(text)
  }

  const cut = () => {
    if (!partialBytes) return
    const frame = new Uint8Array(partialBytes)
    let at = 0
    for (const p of partial) {
      frame.set(p, at)
      at += p.length
    }
    frames.push(frame)
    partial = []
    partialBytes = 0
  }
  const flush = () => {
    if (!open || !socket) return
    for (const f of frames.splice(0))
      socket.send(encodeFrame('input_audio_buffer.append', { delta: toBase64(f) }))
  }
  const complete = () => {
    cut()
    flush()
    socket!.send(encodeFrame('input_audio_buffer.complete'))
    timer = setTimeout(() => end(), opts.finalTimeoutMs ?? 10_000)
  }

  void (async () => {
    const ticket = await deps.getTicket('asr')
    if (ended) return
    const Ctor = deps.WebSocket ?? (globalThis.WebSocket as unknown as SocketCtor)
    const ws = (socket = new Ctor(voiceSocketUrl(deps.apiBase(), 'asr', ticket)))
    ws.onopen = () => {
      open = true
      ws.send(encodeFrame('transcriptions.update', { input_audio: INPUT_AUDIO }))
      flush()
      if (finishing) complete()
    }
    ws.onmessage = (ev) => {
      const f = parseFrame(ev.data)
      if (!f || ended) return
      if (f.event_type === 'transcriptions.message.update' && typeof f.data?.content === 'string') {
        text = f.data.content
        onText(text)
      } else if (f.event_type === 'transcriptions.message.completed') {
        if (typeof f.data?.content === 'string' && f.data.content !== text) onText((text = f.data.content))
        if (finishing) end()
      } else if (f.event_type === 'error') end(frameError(f.data))
    }
    // Closed after our `complete` (Coze closes after its last frame): keep what came.
    ws.onclose = () => end(finishing ? undefined : new VoiceError(VOICE_INTERRUPTED))
  })().catch(end)

  return {
    push(pcm) {
      if (ended || finishing || !pcm.length) return
      partial.push(pcm)
      partialBytes += pcm.length
      if (partialBytes >= APPEND_BYTES) {
        cut()
        flush()
      }
    },
    finish() {
      if (!ended && !finishing) {
        finishing = true
        if (open) complete()
      }
      return done
    },
    cancel: () => end(),
    done,
  }
}
