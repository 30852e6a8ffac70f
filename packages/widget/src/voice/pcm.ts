/**
 * PCM helpers for voice (issue 7): microphone Float32 → 16-bit little-endian PCM at 16 kHz mono for ASR,
 * 16-bit PCM from TTS → Float32 for Web Audio, and base64 both ways (Coze frames carry audio as base64).
 */

/** The ASR input format the widget announces in `transcriptions.update` (coze-protocol §5.4). */
export const ASR_RATE = 16_000
/** Coze's default TTS output: PCM 24 kHz 16-bit mono (coze-protocol §5.3). */
export const TTS_RATE = 24_000

/**
 * A streaming resampler: feed it the microphone's chunks in order, it returns the samples at `outRate`
 * so far and keeps what it still needs of the input for the next call. Downsampling averages each output
 * sample's input span (a box filter, enough against aliasing for speech); upsampling interpolates.
 * @example const r = createResampler(48_000); r(new Float32Array(480)).length // 160
 */
export function createResampler(inRate: number, outRate = ASR_RATE): (input: Float32Array) => Float32Array {
  if (!(inRate > 0) || !(outRate > 0)) throw new RangeError('sample rates must be positive')
  const step = inRate / outRate
  let pending = new Float32Array(0)
  // Position of the next output sample in `pending`, in input samples.
  let pos = 0
  return (input) => {
    const buf = new Float32Array(pending.length + input.length)
    buf.set(pending)
    buf.set(input, pending.length)
    const out: number[] = []
    if (step === 1) {
      pending = new Float32Array(0)
      return buf
    }
    if (step > 1) {
      while (pos + step <= buf.length) {
        const from = Math.floor(pos)
        const to = Math.floor(pos + step)
        let sum = 0
        for (let i = from; i < to; i++) sum += buf[i]!
        out.push(to > from ? sum / (to - from) : buf[from]!)
        pos += step
      }
    } else {
      while (pos + 1 < buf.length) {
        const i = Math.floor(pos)
        const f = pos - i
        out.push(buf[i]! * (1 - f) + buf[i + 1]! * f)
        pos += step
      }
    }
    const keep = Math.floor(pos)
    pending = buf.slice(keep)
    pos -= keep
    return Float32Array.from(out)
  }
}

/** Clamps to [-1, 1] and scales to signed 16-bit, little-endian bytes whatever the platform's order. */
export function floatToPcm16(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!))
    view.setInt16(i * 2, s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff), true)
  }
  return bytes
}

/** Little-endian signed 16-bit → Float32 in [-1, 1); an odd trailing byte is ignored (see `tts-player`). */
export function pcm16ToFloat(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 1
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true) / 0x8000
  return out
}

/** @example toBase64(new Uint8Array([0, 255])) // 'AP8=' */
export function toBase64(bytes: Uint8Array): string {
  let bin = ''
  // Chunks keep `String.fromCharCode(...)` under the engine's argument limit.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(bin)
}

/** Throws on input that is not base64 (atob's `InvalidCharacterError`). */
export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
