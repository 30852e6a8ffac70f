/**
 * Audio seconds from the audio config and the byte count (issue 7: the daily budget). PCM is exact;
 * compressed audio (opus, ogg, mp3) has no fixed rate, so it is counted as if it were 32 kbit/s,
 * which over-counts low-bitrate speech rather than letting it through free.
 */

/** Bytes per second assumed for compressed audio (32 kbit/s). */
export const COMPRESSED_BYTES_PER_SECOND = 4000
const G711_BYTES_PER_SECOND = 8000

type Json = Record<string, unknown>
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {})
const num = (v: unknown, fallback: number) => (typeof v === 'number' && v > 0 ? v : fallback)

/** TTS `output_audio` (coze-protocol §5.3): pcm 24 kHz 16-bit mono by default. */
export function outputBytesPerSecond(outputAudio: unknown): number {
  const o = obj(outputAudio)
  switch (o.codec ?? 'pcm') {
    case 'opus':
      return num(obj(o.opus_config).bitrate, 48_000) / 8
    case 'g711a':
    case 'g711u':
      return G711_BYTES_PER_SECOND
    default:
      return num(obj(o.pcm_config).sample_rate, 24_000) * 2
  }
}

/** ASR `input_audio` (coze-protocol §5.4): wav/pcm 24 kHz 16-bit mono by default. */
export function inputBytesPerSecond(inputAudio: unknown): number {
  const i = obj(inputAudio)
  if (i.format === 'ogg' || i.codec === 'opus') return COMPRESSED_BYTES_PER_SECOND
  if (i.codec === 'g711a' || i.codec === 'g711u') return num(i.sample_rate, 8000)
  return num(i.sample_rate, 24_000) * num(i.channel, 1) * (num(i.bit_depth, 16) / 8)
}

/** REST TTS: `response_format` + `sample_rate`; a WAV's 44-byte header is not audio. */
export function speechSeconds(format: string, sampleRate: number, bytes: number): number {
  if (format === 'pcm') return bytes / (sampleRate * 2)
  if (format === 'wav') return Math.max(0, bytes - 44) / (sampleRate * 2)
  return bytes / COMPRESSED_BYTES_PER_SECOND
}

/** An uploaded file: exact for a PCM WAV (from its header), else the compressed rate. */
export function fileSeconds(file: Buffer): number {
  const wav = wavFormat(file)
  if (!wav) return file.length / COMPRESSED_BYTES_PER_SECOND
  return wav.bytesPerSecond > 0 ? Math.max(0, file.length - wav.dataOffset) / wav.bytesPerSecond : 0
}

/** Rate and data offset of a RIFF/WAVE PCM file; undefined for anything else. */
export function wavFormat(buf: Buffer): { bytesPerSecond: number; dataOffset: number } | undefined {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE')
    return undefined
  let bytesPerSecond: number | undefined
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('latin1', at, at + 4)
    const size = buf.readUInt32LE(at + 4)
    if (id === 'fmt ' && at + 24 <= buf.length && buf.readUInt16LE(at + 8) === 1) {
      bytesPerSecond = buf.readUInt32LE(at + 16) // the header's own byte rate
    }
    if (id === 'data')
      return bytesPerSecond === undefined ? undefined : { bytesPerSecond, dataOffset: at + 8 }
    at += 8 + size + (size % 2)
  }
  return undefined
}

/** Decoded size of a base64 string without decoding it. */
export const base64Bytes = (b64: string) => Buffer.byteLength(b64, 'base64')
