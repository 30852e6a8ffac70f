import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { firstSpeechChunk, MAX_SPEECH_BYTES, splitSpeechText } from './speech-split'

const bytes = (s: string) => Buffer.byteLength(s)
const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff

/** Text rich in what the splitter looks at: CJK, emoji (surrogate pairs), punctuation, newlines. */
const speechText = fc
  .array(
    fc.oneof(
      fc.constantFrom(...'。！？!?；;\n，,、 ”」）…'),
      fc.constantFrom('字', '好', 'a', 'Z', '😀', '𠀋', 'é'),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    ),
    { maxLength: 1500 },
  )
  .map((parts) => parts.join(''))

describe('splitSpeechText', () => {
  it('should keep every chunk within the limit, lose nothing, and never break a surrogate pair', () => {
    fc.assert(
      fc.property(speechText, fc.integer({ min: 4, max: 1100 }), (text, max) => {
        const chunks = splitSpeechText(text, max)
        expect(chunks.join('')).toBe(text)
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0)
          expect(bytes(chunk)).toBeLessThanOrEqual(max)
          expect(isLow(chunk.charCodeAt(0))).toBe(false)
          expect(isHigh(chunk.charCodeAt(chunk.length - 1))).toBe(false)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('should keep a text within 1024 bytes whole', () => {
    const text = 'a' + '字'.repeat(341)
    expect(bytes(text)).toBe(MAX_SPEECH_BYTES)
    expect(splitSpeechText(text)).toEqual([text])
    expect(splitSpeechText('')).toEqual([])
  })

  it('should cut at the last sentence end that fits, closing quotes included', () => {
    const first = '字'.repeat(200) + '。”'
    const text = first + '字'.repeat(100) + '，' + '字'.repeat(100)
    expect(splitSpeechText(text)).toEqual([first, text.slice(first.length)])
  })

  it('should cut at a comma when no sentence ends in reach, else on a code point boundary', () => {
    const withComma = '字'.repeat(300) + '，' + '字'.repeat(100)
    expect(firstSpeechChunk(withComma)).toBe('字'.repeat(300) + '，')
    const emoji = '😀'.repeat(300) // 4 bytes each, no punctuation
    expect(firstSpeechChunk(emoji)).toBe('😀'.repeat(256))
  })
})
