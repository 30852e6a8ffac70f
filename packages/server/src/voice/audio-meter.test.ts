import { describe, expect, it } from 'vitest'
import {
  base64Bytes,
  COMPRESSED_BYTES_PER_SECOND,
  fileSeconds,
  inputBytesPerSecond,
  outputBytesPerSecond,
  speechSeconds,
  wavFormat,
} from './audio-meter'

const wavHeader = (rate: number, channels: number, bits: number, data: number) => {
  const h = Buffer.alloc(44)
  h.write('RIFF', 0)
  h.writeUInt32LE(36 + data, 4)
  h.write('WAVEfmt ', 8)
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(1, 20)
  h.writeUInt16LE(channels, 22)
  h.writeUInt32LE(rate, 24)
  h.writeUInt32LE((rate * channels * bits) / 8, 28)
  h.writeUInt16LE((channels * bits) / 8, 32)
  h.writeUInt16LE(bits, 34)
  h.write('data', 36)
  h.writeUInt32LE(data, 40)
  return Buffer.concat([h, Buffer.alloc(data)])
}

describe('outputBytesPerSecond (TTS)', () => {
  it.each([
    [undefined, 48_000],
    [{ codec: 'pcm', pcm_config: { sample_rate: 16_000 } }, 32_000],
    [{ codec: 'opus' }, 6000],
    [{ codec: 'opus', opus_config: { bitrate: 32_000 } }, 4000],
    [{ codec: 'g711a' }, 8000],
    [{ codec: 'pcm', pcm_config: { sample_rate: -1 } }, 48_000],
  ])('should give %j → %d B/s', (config, rate) => expect(outputBytesPerSecond(config)).toBe(rate))
})

describe('inputBytesPerSecond (ASR)', () => {
  it.each([
    [undefined, 48_000],
    [{ format: 'pcm', sample_rate: 16_000, channel: 1, bit_depth: 16 }, 32_000],
    [{ format: 'wav', sample_rate: 48_000, channel: 2, bit_depth: 24 }, 288_000],
    [{ format: 'ogg', codec: 'opus' }, COMPRESSED_BYTES_PER_SECOND],
    [{ format: 'pcm', codec: 'g711u', sample_rate: 8000 }, 8000],
  ])('should give %j → %d B/s', (config, rate) => expect(inputBytesPerSecond(config)).toBe(rate))
})

describe('speechSeconds / fileSeconds', () => {
  it('should count PCM exactly, skip the WAV header, and rate compressed audio at 32 kbit/s', () => {
    expect(speechSeconds('pcm', 24_000, 48_000)).toBe(1)
    expect(speechSeconds('wav', 16_000, 44 + 64_000)).toBe(2)
    expect(speechSeconds('mp3', 24_000, 8000)).toBe(2)
    expect(fileSeconds(wavHeader(16_000, 1, 16, 96_000))).toBe(3)
    expect(fileSeconds(Buffer.alloc(12_000))).toBe(3)
  })

  it('should find the data chunk after other chunks, and refuse non-PCM WAVs', () => {
    const wav = wavHeader(8000, 1, 8, 100)
    expect(wavFormat(wav)).toEqual({ bytesPerSecond: 8000, dataOffset: 44 })
    const float = Buffer.from(wav)
    float.writeUInt16LE(3, 20)
    expect(wavFormat(float)).toBeUndefined()
    expect(wavFormat(Buffer.from('ID3 not a wav'))).toBeUndefined()
  })

  it('should size base64 without decoding', () => {
    expect(base64Bytes(Buffer.alloc(1000).toString('base64'))).toBe(1000)
  })
})
