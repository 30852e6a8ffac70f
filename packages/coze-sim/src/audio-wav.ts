/**
 * RIFF/WAVE (PCM) headers: enough to read what an ASR client streams and to build the WAV the speech
 * endpoint returns. Only the canonical `fmt ` + `data` chunk layout is built; parsing skips other chunks.
 */

export interface PcmFormat {
  sampleRate: number
  channels: number
  bitsPerSample: number
}

export interface WavInfo extends PcmFormat {
  /** Offset of the first sample. */
  dataOffset: number
  /** Size the `data` chunk declares (streamed WAVs may declare more than they carry). */
  dataBytes: number
}

/** The header of a PCM WAV, or undefined when `buf` does not start with one (or is too short yet). */
export function parseWav(buf: Buffer): WavInfo | undefined {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE')
    return undefined
  let format: PcmFormat | undefined
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('latin1', at, at + 4)
    const size = buf.readUInt32LE(at + 4)
    if (id === 'fmt ' && at + 24 <= buf.length) {
      if (buf.readUInt16LE(at + 8) !== 1) return undefined // not integer PCM
      format = {
        channels: buf.readUInt16LE(at + 10),
        sampleRate: buf.readUInt32LE(at + 12),
        bitsPerSample: buf.readUInt16LE(at + 22),
      }
    }
    if (id === 'data') return format && { ...format, dataOffset: at + 8, dataBytes: size }
    at += 8 + size + (size % 2)
  }
  return undefined
}

/** A canonical 44-byte header followed by `pcm`. */
export function buildWav(pcm: Buffer, f: PcmFormat): Buffer {
  const header = Buffer.alloc(44)
  const blockAlign = (f.channels * f.bitsPerSample) / 8
  header.write('RIFF', 0, 'latin1')
  header.writeUInt32LE(36 + pcm.length, 4)
  header.write('WAVEfmt ', 8, 'latin1')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(f.channels, 22)
  header.writeUInt32LE(f.sampleRate, 24)
  header.writeUInt32LE(f.sampleRate * blockAlign, 28)
  header.writeUInt16LE(blockAlign, 32)
  header.writeUInt16LE(f.bitsPerSample, 34)
  header.write('data', 36, 'latin1')
  header.writeUInt32LE(pcm.length, 40)
  return Buffer.concat([header, pcm])
}

/** Bytes of one second of audio in this format. */
export const bytesPerSecond = (f: PcmFormat) => (f.sampleRate * f.channels * f.bitsPerSample) / 8
