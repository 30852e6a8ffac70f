/**
 * Coze's `object_string` content (coze-protocol §9 row 4): a JSON array of text, image and file items.
 * Only what the widget can show leaves here: text, and http(s) URLs with a name. Anything else is
 * dropped rather than relayed as raw JSON.
 */
import type { StreamEvent } from '../core/wire'
import type { ArchivedPart as AnswerPart } from '../store/types'

interface ObjectItem {
  type?: unknown
  text?: unknown
  file_url?: unknown
  url?: unknown
  name?: unknown
}

export function partsOfObjectString(content: string): AnswerPart[] {
  let items: unknown
  try {
    items = JSON.parse(content)
  } catch {
    return [{ kind: 'text', text: content }]
  }
  if (!Array.isArray(items)) return []
  return items.flatMap((raw): AnswerPart[] => {
    const item = (raw ?? {}) as ObjectItem
    if (item.type === 'text' && typeof item.text === 'string') return [{ kind: 'text', text: item.text }]
    if (item.type !== 'image' && item.type !== 'file') return []
    const url =
      typeof item.file_url === 'string' ? item.file_url : typeof item.url === 'string' ? item.url : ''
    if (!/^https?:\/\//i.test(url)) return []
    const name = typeof item.name === 'string' ? item.name.slice(0, 200) : ''
    return [{ kind: item.type, data: { url, name } }]
  })
}

/** The parts worth archiving beside the answer text: null when the answer was plain text only. */
export function archivedParts(parts: AnswerPart[]): AnswerPart[] | null {
  return parts.some((p) => p.kind !== 'text') || parts.length > 1 ? parts : null
}

/** The `part` event that starts answer message `index` (a text part's text follows as deltas). */
export const partEvent = (index: number, p: AnswerPart): StreamEvent => ({
  event: 'part',
  data: { index, kind: p.kind, ...(p.data === undefined ? {} : { data: p.data }) },
})
