/**
 * Scripted answers: everything is a pure function of the question text, so a test can compute the exact
 * bytes the sim will stream (`sim.answerFor(question)`).
 */
import { parseMarkers, type Markers } from './markers'
import { fillerParagraph, reasoningFor, templates, xssTemplate, type Template } from './templates'
import { answerMessages } from './answer-messages'
import type { ScriptedAction, ScriptedAnswer, ScriptedMessage } from './types'

/** FNV-1a over UTF-16 code units: stable across runs and platforms. */
export function hashText(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** mulberry32: a tiny seeded PRNG (the bench's soak draws its drops from it too). */
export function prng(seed: number): () => number {
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
 * The scripted answer for a question; `[[sim:…]]` markers are honoured and removed. With `ask` or
 * `tool=` it is the part before `requires_action`, unless `toolOutput` is given: then it is the answer
 * after `submit_tool_outputs`, which quotes that output.
 * @example
 * const { text, chunks } = answerFor('你好 [[sim:tokens=20]]') // chunks.length === 20, chunks.join('') === text
 */
export function answerFor(rawQuestion: string, toolOutput?: string): ScriptedAnswer {
  const { question, markers } = parseMarkers(rawQuestion)
  const q = question === '' ? '（空白问题）' : question
  const seed = hashText(question)
  if ((markers.ask || markers.tool) && toolOutput === undefined) return actionAnswer(question, q, markers)
  const template = pickTemplate(question, markers)
  const base =
    toolOutput === undefined
      ? template.answer(q)
      : `${quoteOutput(markers, toolOutput)}\n\n${template.answer(q)}`
  const sized = sizedChunks(base, seed, markers.tokens)
  const messages = answerMessages({ text: sized.join(''), chunks: sized, seed, q, markers }, chunkText)
  const reasoning = template.reasoning || markers.reasoning ? reasoningFor(q) : ''
  const reasoningChunks = chunkText(reasoning, seed ^ 0x5bd1e995)
  return {
    question,
    text: messages
      .filter((m) => m.contentType !== 'card')
      .map((m) => m.text)
      .join('\n\n'),
    reasoning,
    followUps: template.followUps(q),
    chunks: messages.flatMap((m) => m.chunks),
    reasoningChunks,
    messages,
    usage: usageOf(question, seed, messages.flatMap((m) => m.chunks).length + reasoningChunks.length),
  }
}

/** The part before `requires_action`: a question node asks (one text message); a function call says nothing. */
function actionAnswer(question: string, q: string, markers: Markers): ScriptedAnswer {
  const asked = markers.ask ? `为了回答「${q}」，请问您要查询的是哪一个订单？请直接回复订单号。` : ''
  const chunks = chunkText(asked, hashText(question))
  const messages: ScriptedMessage[] = asked
    ? [{ contentType: 'text', content: asked, text: asked, chunks }]
    : []
  const action: ScriptedAction = markers.tool
    ? { type: 'function', name: markers.tool, arguments: JSON.stringify({ query: q }) }
    : { type: 'reply_message', name: '', arguments: JSON.stringify({ question: asked }) }
  return {
    question,
    text: asked,
    reasoning: '',
    followUps: [],
    chunks,
    reasoningChunks: [],
    messages,
    action,
    usage: usageOf(question, hashText(question), chunks.length),
  }
}

function quoteOutput(markers: Markers, output: string): string {
  return markers.tool ? `根据工具 ${markers.tool} 的结果：${output}` : `收到您的回复：「${output}」。`
}

function usageOf(question: string, seed: number, outputCount: number) {
  const inputCount = 480 + Array.from(question).length * 2 + (seed % 97)
  return { token_count: inputCount + outputCount, output_count: outputCount, input_count: inputCount }
}
