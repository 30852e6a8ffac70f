/**
 * Plays TTS PCM (16-bit LE mono, 24 kHz by default) as it arrives: each chunk becomes an AudioBuffer
 * scheduled right after the previous one on one AudioContext, so playback starts with the first chunk
 * and has no gaps. The context resamples to the device rate.
 */
import { pcm16ToFloat, TTS_RATE } from './pcm'

/** The parts of Web Audio used here (a real `AudioContext` fits; tests pass a fake). */
export interface AudioBufferLike {
  getChannelData(channel: number): Float32Array
}
export interface AudioSourceLike {
  buffer: AudioBufferLike | null
  onended: (() => void) | null
  connect(destination: never): unknown
  start(when?: number): void
  stop(when?: number): void
}
export interface AudioContextLike {
  readonly currentTime: number
  readonly destination: unknown
  createBuffer(channels: number, length: number, sampleRate: number): AudioBufferLike
  createBufferSource(): AudioSourceLike
}

/** Seconds between "now" and the first chunk: room for the main thread to hand it over. */
const LEAD = 0.05

export interface TtsPlayer {
  enqueue(pcm: Uint8Array): void
  /** No more chunks: resolves once everything queued has played (at once when nothing was). */
  end(): Promise<void>
  /** Silences everything now; `end()` resolves. */
  stop(): void
  /** Samples scheduled so far. */
  readonly samples: number
}

export function createTtsPlayer(ctx: AudioContextLike, sampleRate = TTS_RATE): TtsPlayer {
  const live = new Set<AudioSourceLike>()
  let nextTime = 0
  let carry: number | null = null
  let samples = 0
  let ending = false
  let drained: (() => void) | null = null
  const idle = () => {
    if (ending && !live.size) drained?.()
  }

  return {
    get samples() {
      return samples
    },
    enqueue(chunk) {
      let bytes = chunk
      // A chunk may split a sample: keep the odd byte for the next one.
      if (carry !== null) {
        bytes = new Uint8Array(chunk.length + 1)
        bytes[0] = carry
        bytes.set(chunk, 1)
        carry = null
      }
      if (bytes.length % 2) carry = bytes[bytes.length - 1]!
      const data = pcm16ToFloat(bytes)
      if (!data.length) return
      const buffer = ctx.createBuffer(1, data.length, sampleRate)
      buffer.getChannelData(0).set(data)
      const src = ctx.createBufferSource()
      src.buffer = buffer
      src.connect(ctx.destination as never)
      const at = Math.max(nextTime, ctx.currentTime + LEAD)
      src.start(at)
      nextTime = at + data.length / sampleRate
      samples += data.length
      live.add(src)
      src.onended = () => {
        live.delete(src)
        idle()
      }
    },
    end() {
      ending = true
      return new Promise<void>((resolve) => {
        drained = resolve
        idle()
      })
    },
    stop() {
      for (const src of live) {
        src.onended = null
        try {
          src.stop()
        } catch {
          // never started or already stopped
        }
      }
      live.clear()
      nextTime = 0
      ending = true
      idle()
    },
  }
}
