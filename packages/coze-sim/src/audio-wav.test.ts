import { describe, expect, it } from 'vitest'
import { longWav, sampleSpeechWav, toneWav } from './audio-fixture'
import { buildWav, bytesPerSecond, parseWav } from './audio-wav'

describe('parseWav / buildWav', () => {
  it('should round-trip a canonical PCM header', () => {
    const pcm = Buffer.alloc(3200, 7)
    const wav = buildWav(pcm, { sampleRate: 16000, channels: 1, bitsPerSample: 16 })
    expect(wav.subarray(0, 4).toString()).toBe('RIFF')
    expect(parseWav(wav)).toEqual({
      sampleRate: 16000,
      channels: 1,
      bitsPerSample: 16,
      dataOffset: 44,
      dataBytes: 3200,
    })
    expect(bytesPerSecond({ sampleRate: 16000, channels: 1, bitsPerSample: 16 })).toBe(32000)
  })

  it('should skip chunks before data and reject non-WAV or non-PCM input', () => {
    const wav = buildWav(Buffer.alloc(10), { sampleRate: 8000, channels: 2, bitsPerSample: 8 })
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')])
    const withList = Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)])
    expect(parseWav(withList)).toMatchObject({ channels: 2, dataOffset: 44 + list.length })
    expect(parseWav(Buffer.from('OggS0000000000000000'))).toBeUndefined()
    const float = Buffer.from(wav)
    float.writeUInt16LE(3, 20)
    expect(parseWav(float)).toBeUndefined()
    expect(parseWav(wav.subarray(0, 30))).toBeUndefined()
  })
})

describe('audio fixtures', () => {
  it('should give a real speech WAV (espeak-ng) or a tone, either way RIFF/PCM', () => {
    const s = sampleSpeechWav()
    const info = parseWav(s.wav)!
    expect(info).toMatchObject(s.format)
    expect(info.dataBytes).toBe(s.wav.length - info.dataOffset)
    expect(['espeak-ng', 'tone']).toContain(s.source)
  })

  it('should make a long WAV out of repeated audio, header sized to match', () => {
    const tone = { ...toneWav(0.1, 440, 16000), source: 'tone' as const }
    const long = longWav(tone, 100_000)
    const info = parseWav(long)!
    expect(info.dataBytes).toBe(long.length - 44)
    expect(info.dataBytes).toBeGreaterThanOrEqual(100_000)
    expect(long.subarray(44, 44 + 3200).equals(tone.wav.subarray(44))).toBe(true)
  })
})
