/**
 * Scripted answers: everything is a pure function of the question text, so a test can compute the exact
 * bytes the sim will stream (`sim.answerFor(question)`).
 */
import { parseMarkers, type Markers } from './markers'
import { fillerParagraph, reasoningFor, templates, xssTemplate, type Template } from './templates'
import type { ScriptedAnswer } from './types'

/** FNV-1a over UTF-16 code units: stable across runs and platforms. */
export function hashText(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Cuts text into chunks of 1–4 characters (code points, so no surrogate pair is ever split). */
export function chunkText(text: string, seed: number, limit = Infinity): string[] {
  const chars = Array.from(text)
  const next = prng(seed)
  const chunks: string[] = []
  for (let i = 0; i < chars.length && chunks.length < limit;) {
    const size = 1 + Math.floor(next() * 4)
    chunks.push(chars.slice(i, i + size).join(''))
    i += size
  }
  return chunks
}

/** `tokens=<n>`: pad with filler paragraphs until there are n chunks, then cut at exactly n. */
function sizedChunks(base: string, seed: number, tokens: number | undefined): string[] {
  if (tokens === undefined) return chunkText(base, seed)
  const parts = [base]
  // Chunks are at most 4 characters, so 4 characters per wanted token is always enough.
  for (let n = 1, length = Array.from(base).length; length < tokens * 4; n++) {
    parts.push(fillerParagraph(n))
    length += Array.from(fillerParagraph(n)).length
  }
  return chunkText(parts.join(''), seed, tokens)
}

function pickTemplate(question: string, markers: Markers): Template {
  if (markers.xss) return xssTemplate
  return templates[hashText(question) % templates.length]!
}

/**
 * The scripted answer for a question; `[[sim:…]]` markers are honoured and removed.
 * @example
 * const { text, chunks } = answerFor('你好 [[sim:tokens=20]]') // chunks.length === 20, chunks.join('') === text
 */
export function answerFor(rawQuestion: string): ScriptedAnswer {
  const { question, markers } = parseMarkers(rawQuestion)
  const q = question === '' ? '（空白问题）' : question
  const seed = hashText(question)
  const template = pickTemplate(question, markers)
  const chunks = sizedChunks(template.answer(q), seed, markers.tokens)
  const reasoning = template.reasoning || markers.reasoning ? reasoningFor(q) : ''
  const reasoningChunks = chunkText(reasoning, seed ^ 0x5bd1e995)
  const inputCount = 480 + Array.from(question).length * 2 + (seed % 97)
  const outputCount = chunks.length + reasoningChunks.length
  return {
    question,
    text: chunks.join(''),
    reasoning,
    followUps: template.followUps(q),
    chunks,
    reasoningChunks,
    usage: { token_count: inputCount + outputCount, output_count: outputCount, input_count: inputCount },
  }
}
