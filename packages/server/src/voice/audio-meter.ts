/**
 * Audio seconds against the daily budget (issue 7), from numbers the client cannot bend (issue 20 #1).
 * PCM is bytes ÷ (sample rate × channels × bytes per sample), every factor checked against the range
 * Coze documents (coze-protocol §5.4: 8–48 kHz, 1–2 channels, 8/16/24-bit); anything else is refused,
 * never metered at a made-up rate. A WAV's own byte-rate field is never read: it is the client's to
 * choose (0xFFFFFFFF made a minute cost a second). Compressed audio (opus, ogg, mp3) has no fixed rate
 * and Coze's answers carry no duration, so it is counted as if it were 32 kbit/s: the byte count is
 * what was sent, low-bitrate speech is over-counted, and a file below 32 kbit/s (Opus goes down to
 * 6 kbit/s) is under-counted by at most that ratio, never made free.
 */

/** Bytes per second assumed for compressed audio (32 kbit/s). */
export const COMPRESSED_BYTES_PER_SECOND = 4000
const G711_BYTES_PER_SECOND = 8000
/** Coze's default for both directions: 24 kHz 16-bit mono PCM. */
export const DEFAULT_PCM_BYTES_PER_SECOND = 48_000
/** What Coze documents for input audio (coze-protocol §5.4); the TTS sample rates are the same span. */
const SAMPLE_RATE_RANGE = [8000, 48_000] as const
const CHANNELS = [1, 2] as const
const BIT_DEPTHS = [8, 16, 24] as const
/** Opus's own bitrate range (RFC 6716 §2.1.1). */
const OPUS_BITRATE_RANGE = [6000, 510_000] as const

/** A rate the meter may use, or why the settings are refused (sent with `VC_ERR_UNSUPPORTED_MEDIA_TYPE`). */
export type AudioRate = { ok: true; bytesPerSecond: number } | { ok: false; reason: string }

type Json = Record<string, unknown>
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {})

/** Thrown by the field checks below, turned into a refused `AudioRate` by `checked`. */
class Refused extends Error {}
function checked(compute: () => number): AudioRate {
  try {
    return { ok: true, bytesPerSecond: compute() }
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message }
    throw err
  }
}

/** A field left out takes Coze's default; one that is present must be an integer in `[min, max]`. */
function intIn(v: unknown, fallback: number, name: string, [min, max]: readonly [number, number]): number {
  if (v === undefined) return fallback
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v
  throw new Refused(`${name} must be an integer from ${min} to ${max}`)
}

function oneOf<T extends string | number>(v: unknown, fallback: T, name: string, allowed: readonly T[]): T {
  if (v === undefined) return fallback
  if (allowed.includes(v as T)) return v as T
  throw new Refused(`${name} must be one of ${allowed.join(', ')}`)
}

const pcmBytesPerSecond = (sampleRate: unknown, channels: unknown, bits: unknown, prefix: string) =>
  (intIn(sampleRate, 24_000, `${prefix}sample_rate`, SAMPLE_RATE_RANGE) *
    oneOf(channels, 1, `${prefix}channel`, CHANNELS) *
    oneOf(bits, 16, `${prefix}bit_depth`, BIT_DEPTHS)) /
  8

/**
 * Bytes per second of PCM after checking each factor (left out: Coze's default, 24 kHz mono 16-bit).
 * @example pcmRate(16_000, 1, 16) // { ok: true, bytesPerSecond: 32_000 }
 */
export const pcmRate = (sampleRate: unknown, channels: unknown, bits: unknown, prefix = '') =>
  checked(() => pcmBytesPerSecond(sampleRate, channels, bits, prefix))

/** TTS `output_audio` (coze-protocol §5.3): pcm 24 kHz 16-bit mono by default. */
export const outputRate = (outputAudio: unknown): AudioRate =>
  checked(() => {
    const o = obj(outputAudio)
    const codec = oneOf(o.codec, 'pcm', 'output_audio.codec', ['pcm', 'opus', 'g711a', 'g711u'])
    if (codec === 'opus') {
      return intIn(obj(o.opus_config).bitrate, 48_000, 'opus_config.bitrate', OPUS_BITRATE_RANGE) / 8
    }
    if (codec !== 'pcm') return G711_BYTES_PER_SECOND
    return pcmBytesPerSecond(obj(o.pcm_config).sample_rate, 1, 16, 'pcm_config.')
  })

/** ASR `input_audio` (coze-protocol §5.4): wav/pcm 24 kHz 16-bit mono by default. */
export const inputRate = (inputAudio: unknown): AudioRate =>
  checked(() => {
    const i = obj(inputAudio)
    const format = oneOf(i.format, 'wav', 'input_audio.format', ['pcm', 'wav', 'ogg'])
    const codec = oneOf(i.codec, 'pcm', 'input_audio.codec', ['pcm', 'opus', 'g711a', 'g711u'])
    const pcm = pcmBytesPerSecond(i.sample_rate, i.channel, i.bit_depth, 'input_audio.')
    if (format === 'ogg' || codec === 'opus') return COMPRESSED_BYTES_PER_SECOND
    // G.711 is one byte per sample, whatever bit_depth says.
    return codec === 'pcm' ? pcm : pcmBytesPerSecond(i.sample_rate, i.channel, 8, 'input_audio.')
  })

/** REST TTS: `response_format` + `sample_rate` (both checked by wire.ts); a WAV's 44-byte header is not audio. */
export function speechSeconds(format: string, sampleRate: number, bytes: number): number {
  if (format === 'pcm') return bytes / (sampleRate * 2)
  if (format === 'wav') return Math.max(0, bytes - 44) / (sampleRate * 2)
  return bytes / COMPRESSED_BYTES_PER_SECOND
}

/**
 * Seconds of an uploaded file: a PCM WAV from its data size and checked format fields; any other
 * RIFF/WAVE file is refused; anything else at the compressed rate. Everything after the data chunk's
 * start counts as audio (a trailing LIST chunk is metered too: the declared data size is the client's).
 */
export function fileSeconds(file: Buffer): { ok: true; seconds: number } | { ok: false; reason: string } {
  if (!isWav(file)) return { ok: true, seconds: file.length / COMPRESSED_BYTES_PER_SECOND }
  const wav = wavFormat(file)
  if (!wav.ok) return wav
  return { ok: true, seconds: (file.length - wav.dataOffset) / wav.bytesPerSecond }
}

const isWav = (buf: Buffer) =>
  buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WAVE'

/** Rate (from the checked fmt fields, never the byte-rate field) and data offset of a RIFF/WAVE PCM file. */
export function wavFormat(
  buf: Buffer,
): { ok: true; bytesPerSecond: number; dataOffset: number } | { ok: false; reason: string } {
  if (!isWav(buf)) return { ok: false, reason: 'not a RIFF/WAVE file' }
  let fmt: AudioRate | undefined
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('latin1', at, at + 4)
    const size = buf.readUInt32LE(at + 4)
    if (id === 'fmt ' && at + 24 <= buf.length) {
      fmt =
        buf.readUInt16LE(at + 8) === 1
          ? pcmRate(buf.readUInt32LE(at + 12), buf.readUInt16LE(at + 10), buf.readUInt16LE(at + 22), 'WAV ')
          : { ok: false, reason: 'WAV audio must be integer PCM (format 1)' }
    }
    if (id === 'data') {
      if (!fmt) return { ok: false, reason: 'WAV has no fmt chunk before its data' }
      return fmt.ok ? { ok: true, bytesPerSecond: fmt.bytesPerSecond, dataOffset: at + 8 } : fmt
    }
    at += 8 + size + (size % 2)
  }
  return { ok: false, reason: 'WAV has no data chunk' }
}

/**
 * The format of a WAV sent whole through the ASR socket (Coze's own recording does that, coze-protocol
 * §5.4), read from the first bytes of a base64 delta; undefined when it does not start a WAV with a fmt
 * chunk. Coze may decode by this header rather than by `input_audio`: the meter takes the slower rate.
 */
export function embeddedWavRate(delta: string): AudioRate | undefined {
  const head = Buffer.from(delta.slice(0, 1024), 'base64')
  if (!isWav(head)) return undefined
  for (let at = 12; at + 24 <= head.length;) {
    const size = head.readUInt32LE(at + 4)
    if (head.toString('latin1', at, at + 4) === 'fmt ') {
      if (head.readUInt16LE(at + 8) !== 1)
        return { ok: false, reason: 'WAV audio must be integer PCM (format 1)' }
      return pcmRate(
        head.readUInt32LE(at + 12),
        head.readUInt16LE(at + 10),
        head.readUInt16LE(at + 22),
        'WAV ',
      )
    }
    at += 8 + size + (size % 2)
  }
  return undefined
}

/** Decoded size of a base64 string without decoding it. */
export const base64Bytes = (b64: string) => Buffer.byteLength(b64, 'base64')
