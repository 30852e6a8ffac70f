/**
 * The answer messages of one chat (coze-protocol.md §9 row 4): `answers=n` splits the text into n
 * `answer` messages at blank lines, `card` puts a card message (whole, no deltas) first, `object-string`
 * makes the last text message one `object_string` message (text and image parts, whole).
 */
import type { Markers } from './markers'
import { fillerParagraph } from './templates'
import type { ScriptedMessage } from './types'

/** The image part of `object-string` answers (an http(s) URL, as Coze's `file_url`). */
export const SIM_IMAGE_URL = 'https://lf-coze-web-cdn.coze.cn/obj/coze-sim/answer-image.png'

type Chunker = (text: string, seed: number) => string[]

/**
 * `text`/`chunks` are the sized answer (`chunks.join('') === text`); one text message keeps them as they
 * are, so an answer without these markers is unchanged.
 */
export function answerMessages(
  o: { text: string; chunks: string[]; seed: number; q: string; markers: Markers },
  chunkText: Chunker,
): ScriptedMessage[] {
  const n = o.markers.answers ?? 1
  const texts = n === 1 ? [o.text] : splitParagraphs(o.text, n)
  const messages: ScriptedMessage[] = texts.map((text, i) => ({
    contentType: 'text',
    content: text,
    text,
    chunks: n === 1 ? o.chunks : chunkText(text, o.seed + i),
  }))
  const last = messages.at(-1)
  if (o.markers.objectString && last) {
    const parts = [
      { type: 'text', text: last.text },
      { type: 'image', file_url: SIM_IMAGE_URL },
    ]
    messages[messages.length - 1] = {
      contentType: 'object_string',
      content: JSON.stringify(parts),
      text: last.text,
      chunks: [],
    }
  }
  if (o.markers.card) messages.unshift(cardMessage(o.q, o.seed))
  return messages
}

/** n groups of whole paragraphs (filler paragraphs added when there are fewer than n). */
function splitParagraphs(text: string, n: number): string[] {
  const paragraphs = text.split('\n\n').filter((p) => p !== '')
  for (let k = 1; paragraphs.length < n; k++) paragraphs.push(fillerParagraph(k).replace(/^\n\n/, ''))
  return Array.from({ length: n }, (_, i) =>
    paragraphs
      .slice(Math.floor((i * paragraphs.length) / n), Math.floor(((i + 1) * paragraphs.length) / n))
      .join('\n\n'),
  )
}

/**
 * A card as Coze sends it: `content` is JSON text whose `data` is JSON text again. UNVERIFIED beyond
 * `content_type: card` and whole delivery: the field names inside follow Coze's card templates as seen
 * in console exports, not a documented schema.
 */
function cardMessage(q: string, seed: number): ScriptedMessage {
  const data = {
    title: `「${q}」的查询结果`,
    description: `共找到 ${1 + (seed % 5)} 条相关记录，点击查看详情。`,
    image_url: SIM_IMAGE_URL,
    buttons: [{ text: '查看详情', url: 'https://www.coze.cn/' }],
  }
  const content = JSON.stringify({
    card_type: 3,
    response_type: 'card',
    template_id: '7351826573612548146',
    template_url: '',
    data: JSON.stringify(data),
  })
  return { contentType: 'card', content, text: '', chunks: [] }
}
