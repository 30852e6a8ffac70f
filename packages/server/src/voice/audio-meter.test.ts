import { describe, expect, it } from 'vitest'
import {
  base64Bytes,
  COMPRESSED_BYTES_PER_SECOND,
  embeddedWavRate,
  fileSeconds,
  inputRate,
  outputRate,
  pcmRate,
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

describe('outputRate (TTS)', () => {
  it.each([
    [undefined, 48_000],
    [{ codec: 'pcm', pcm_config: { sample_rate: 16_000 } }, 32_000],
    [{ codec: 'opus' }, 6000],
    [{ codec: 'opus', opus_config: { bitrate: 32_000 } }, 4000],
    [{ codec: 'g711a' }, 8000],
  ])('should give %j → %d B/s', (config, bytesPerSecond) =>
    expect(outputRate(config)).toEqual({ ok: true, bytesPerSecond }),
  )

  it.each([
    [{ codec: 'pcm', pcm_config: { sample_rate: -1 } }, /sample_rate/],
    [{ codec: 'pcm', pcm_config: { sample_rate: 1e9 } }, /sample_rate/],
    [{ codec: 'opus', opus_config: { bitrate: 1e9 } }, /bitrate/],
    [{ codec: 'flac' }, /codec/],
  ])('should refuse %j', (config, reason) =>
    expect(outputRate(config)).toEqual({ ok: false, reason: expect.stringMatching(reason) }),
  )
})

describe('inputRate (ASR)', () => {
  it.each([
    [undefined, 48_000],
    [{ format: 'pcm', sample_rate: 16_000, channel: 1, bit_depth: 16 }, 32_000],
    [{ format: 'wav', sample_rate: 48_000, channel: 2, bit_depth: 24 }, 288_000],
    [{ format: 'pcm', sample_rate: 8000, channel: 1, bit_depth: 8 }, 8000],
    [{ format: 'ogg', codec: 'opus' }, COMPRESSED_BYTES_PER_SECOND],
    [{ format: 'pcm', codec: 'g711u', sample_rate: 8000 }, 8000],
    [{ format: 'pcm', codec: 'g711u', sample_rate: 8000, channel: 2, bit_depth: 16 }, 16_000],
  ])('should give %j → %d B/s', (config, bytesPerSecond) =>
    expect(inputRate(config)).toEqual({ ok: true, bytesPerSecond }),
  )

  // Issue 20 #1: {channel: 1000000} made 30 s of audio cost 1 s.
  it.each([
    [{ channel: 1_000_000 }, /channel must be one of 1, 2/],
    [{ channel: 0 }, /channel/],
    [{ sample_rate: 4000 }, /sample_rate must be an integer from 8000 to 48000/],
    [{ sample_rate: 96_000 }, /sample_rate/],
    [{ sample_rate: 16_000.5 }, /sample_rate/],
    [{ sample_rate: '16000' }, /sample_rate/],
    [{ bit_depth: 32 }, /bit_depth must be one of 8, 16, 24/],
    [{ bit_depth: 1e9 }, /bit_depth/],
    [{ format: 'flac' }, /format/],
    [{ codec: 'mp3' }, /codec/],
    [{ codec: 'g711a', channel: 1_000_000 }, /channel/],
  ])('should refuse %j', (config, reason) =>
    expect(inputRate(config)).toEqual({ ok: false, reason: expect.stringMatching(reason) }),
  )
})

describe('pcmRate', () => {
  it("should take Coze's defaults for fields left out", () => {
    expect(pcmRate(undefined, undefined, undefined)).toEqual({ ok: true, bytesPerSecond: 48_000 })
  })
})

describe('speechSeconds / fileSeconds', () => {
  it('should count PCM exactly, skip the WAV header, and rate compressed audio at 32 kbit/s', () => {
    expect(speechSeconds('pcm', 24_000, 48_000)).toBe(1)
    expect(speechSeconds('wav', 16_000, 44 + 64_000)).toBe(2)
    expect(speechSeconds('mp3', 24_000, 8000)).toBe(2)
    expect(fileSeconds(wavHeader(16_000, 1, 16, 96_000))).toEqual({ ok: true, seconds: 3 })
    expect(fileSeconds(Buffer.alloc(12_000))).toEqual({ ok: true, seconds: 3 })
  })

  // Issue 20 #1: the header's byte-rate field is the client's; 0xFFFFFFFF charged a minute as 1 s, 0 as 0 s.
  it.each([0xffffffff, 0, 1])(
    'should charge a WAV by its data size whatever its byte-rate field (%d)',
    (byteRate) => {
      const wav = wavHeader(16_000, 1, 16, 32_000 * 60)
      wav.writeUInt32LE(byteRate, 28)
      expect(fileSeconds(wav)).toEqual({ ok: true, seconds: 60 })
    },
  )

  it('should charge a WAV whose data size field lies by the bytes that are there', () => {
    const wav = wavHeader(8000, 2, 8, 16_000 * 5)
    wav.writeUInt32LE(0, 40)
    expect(fileSeconds(wav)).toEqual({ ok: true, seconds: 5 })
  })

  it.each([
    ['1000000 channels', (w: Buffer) => w.writeUInt16LE(65_535, 22), /channel/],
    ['no channel', (w: Buffer) => w.writeUInt16LE(0, 22), /channel/],
    ['a 1 Hz sample rate', (w: Buffer) => w.writeUInt32LE(1, 24), /sample_rate/],
    ['32-bit samples', (w: Buffer) => w.writeUInt16LE(32, 34), /bit_depth/],
    ['float samples', (w: Buffer) => w.writeUInt16LE(3, 20), /integer PCM/],
    ['no data chunk', (w: Buffer) => w.write('junk', 36), /no data chunk/],
  ])('should refuse a WAV with %s', (_, tamper, reason) => {
    const wav = wavHeader(16_000, 1, 16, 3200)
    tamper(wav)
    expect(fileSeconds(wav)).toEqual({ ok: false, reason: expect.stringMatching(reason) })
  })

  it('should find the data chunk after other chunks', () => {
    const plain = wavHeader(8000, 1, 8, 100)
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([4, 0, 0, 0]), Buffer.from('INFO')])
    const wav = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)])
    expect(wavFormat(wav)).toEqual({ ok: true, bytesPerSecond: 8000, dataOffset: 56 })
    expect(wavFormat(Buffer.from('ID3 not a wav'))).toMatchObject({ ok: false })
  })
})

describe('embeddedWavRate', () => {
  it('should read the format of a WAV sent through the socket, and refuse a tampered one', () => {
    const wav = wavHeader(16_000, 1, 16, 3200)
    expect(embeddedWavRate(wav.toString('base64'))).toEqual({ ok: true, bytesPerSecond: 32_000 })
    wav.writeUInt16LE(65_535, 22)
    expect(embeddedWavRate(wav.toString('base64'))).toMatchObject({ ok: false })
    expect(embeddedWavRate(Buffer.alloc(3200).toString('base64'))).toBeUndefined()
  })
})

describe('base64Bytes', () => {
  it('should size base64 without decoding', () => {
    expect(base64Bytes(Buffer.alloc(1000).toString('base64'))).toBe(1000)
  })
})
