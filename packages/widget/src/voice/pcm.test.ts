// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { createResampler, floatToPcm16, fromBase64, pcm16ToFloat, toBase64 } from './pcm'

const sine = (hz: number, rate: number, n: number, from = 0) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * hz * (i + from)) / rate))

describe('floatToPcm16 / pcm16ToFloat', () => {
  it('should write little-endian 16-bit, clamping out-of-range samples', () => {
    const bytes = floatToPcm16(Float32Array.from([0, 1, -1, 2, -2, 0.5]))
    const view = new DataView(bytes.buffer)
    expect([0, 1, 2, 3, 4, 5].map((i) => view.getInt16(i * 2, true))).toEqual([
      0, 32767, -32768, 32767, -32768, 16384,
    ])
    expect([...bytes.subarray(2, 4)]).toEqual([0xff, 0x7f])
  })

  it('should read back within one quantisation step, ignoring an odd trailing byte', () => {
    const input = sine(440, 16_000, 100)
    const back = pcm16ToFloat(floatToPcm16(input))
    back.forEach((v, i) => expect(Math.abs(v - input[i]!)).toBeLessThan(1 / 16_000))
    expect(pcm16ToFloat(new Uint8Array([0, 0x40, 7])).length).toBe(1)
    expect(pcm16ToFloat(new Uint8Array([0, 0x40]))[0]).toBe(0.5)
  })

  it('should read from a view into a larger buffer (offset)', () => {
    const buf = new Uint8Array([9, 0, 0x40, 0, 0xc0])
    expect([...pcm16ToFloat(buf.subarray(1))]).toEqual([0.5, -0.5])
  })
})

describe('base64', () => {
  it('should match Node for every byte value and beyond the chunk size', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(toBase64(all)).toBe(Buffer.from(all).toString('base64'))
    const big = Uint8Array.from({ length: 100_001 }, (_, i) => (i * 7) & 0xff)
    const b64 = toBase64(big)
    expect(b64).toBe(Buffer.from(big).toString('base64'))
    expect(fromBase64(b64)).toEqual(big)
    expect(toBase64(new Uint8Array([0, 255]))).toBe('AP8=')
    expect(toBase64(new Uint8Array())).toBe('')
  })

  it('should throw on text that is not base64', () => {
    expect(() => fromBase64('*not base64*')).toThrow()
  })
})

describe('createResampler', () => {
  it('should give one third of the samples from 48 kHz, whatever the chunking', () => {
    const input = sine(440, 48_000, 4800)
    const whole = createResampler(48_000)(input)
    expect(whole.length).toBe(1600)
    for (const size of [128, 1, 333, 2048, 7]) {
      const r = createResampler(48_000)
      const parts: number[] = []
      for (let at = 0; at < input.length; at += size) parts.push(...r(input.subarray(at, at + size)))
      expect(parts.length).toBe(1600)
      parts.forEach((v, i) => expect(v).toBeCloseTo(whole[i]!, 6))
    }
  })

  it('should keep a 440 Hz tone at 440 Hz from 44.1 kHz (fractional ratio)', () => {
    const r = createResampler(44_100)
    const out: number[] = []
    for (let at = 0; at < 44_100; at += 512) out.push(...r(sine(440, 44_100, Math.min(512, 44_100 - at), at)))
    expect(Math.abs(out.length - 16_000)).toBeLessThanOrEqual(1)
    // Compare with the ideal 16 kHz tone, shifted by half the averaging window.
    const shift = (44_100 / 16_000 - 1) / 2 / 44_100
    let err = 0
    for (let i = 100; i < 15_000; i++)
      err = Math.max(err, Math.abs(out[i]! - Math.sin(2 * Math.PI * 440 * (i / 16_000 + shift))))
    // Windows of 2 or 3 input samples: up to half a sample of jitter, well under 0.1 of amplitude.
    expect(err).toBeLessThan(0.08)
    // And the frequency: 440 rising zero crossings in one second.
    const rising = out.filter((v, i) => i > 0 && out[i - 1]! < 0 && v >= 0).length
    expect(Math.abs(rising - 440)).toBeLessThanOrEqual(1)
  })

  it('should average away a tone above the new Nyquist frequency', () => {
    const out = createResampler(48_000)(sine(12_000, 48_000, 4800))
    expect(Math.max(...out.map(Math.abs))).toBeLessThan(0.5)
  })

  it('should interpolate when upsampling and pass 16 kHz through', () => {
    const up = createResampler(8000)(Float32Array.from([0, 1, 0, -1, 0]))
    expect([...up]).toEqual([0, 0.5, 1, 0.5, 0, -0.5, -1, -0.5])
    const same = Float32Array.from([0.1, 0.2])
    expect([...createResampler(16_000)(same)]).toEqual([...same])
    expect(() => createResampler(0)).toThrow(RangeError)
  })
})
