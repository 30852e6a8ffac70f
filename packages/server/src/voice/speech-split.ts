/**
 * Coze synthesises at most 1024 bytes of UTF-8 per request, over REST and over the WebSocket (more →
 * error 3010, coze-protocol §9 row 5). Longer texts are cut into chunks that each fit, at the best place
 * the limit allows: a sentence end, else a comma, else the last whole code point.
 */

/** Coze's limit per synthesis request. */
export const MAX_SPEECH_BYTES = 1024

/** A sentence ends after one of these (a run of them, and closing quotes or brackets, stays with it). */
const SENTENCE_END = new Set([...'。！？!?；;\n…'])
const COMMA = new Set([...'，,、：:'])
const CLOSER = new Set([...'”’」』）)》】"\''])

/** The first chunk of `text`: all of it when it fits, else the longest prefix within `max` bytes ending at the best boundary. */
export function firstSpeechChunk(text: string, max = MAX_SPEECH_BYTES): string {
  if (Buffer.byteLength(text) <= max) return text
  let bytes = 0
  let at = 0 // UTF-16 index after the last whole code point that fits
  let sentence = 0
  let comma = 0
  let prev = ''
  for (const ch of text) {
    const size = Buffer.byteLength(ch)
    if (bytes + size > max) break
    bytes += size
    at += ch.length
    if (SENTENCE_END.has(ch) || (CLOSER.has(ch) && sentence === at - ch.length && SENTENCE_END.has(prev))) {
      sentence = at
    } else if (COMMA.has(ch)) comma = at
    if (!CLOSER.has(ch)) prev = ch
  }
  return text.slice(0, sentence || comma || at)
}

/** `text` as chunks of at most `max` bytes, in order; joined they are `text` again. */
export function splitSpeechText(text: string, max = MAX_SPEECH_BYTES): string[] {
  if (max < 4) throw new RangeError('max must hold one code point (4 bytes)')
  const chunks: string[] = []
  let rest = text
  while (rest !== '') {
    const chunk = firstSpeechChunk(rest, max)
    chunks.push(chunk)
    rest = rest.slice(chunk.length)
  }
  return chunks
}

/** A chunk with nothing to say (Coze gets no request for it). */
export const isBlank = (chunk: string) => chunk.trim() === ''
