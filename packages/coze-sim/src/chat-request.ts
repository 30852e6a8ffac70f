/**
 * Validation of `POST /v3/chat` bodies (coze-protocol.md §2.1). Ids must be JSON strings: a numeric
 * `bot_id`/`user_id` is the real cause of 4000 "not a valid json or chat request" (xiaozhi-esp32-server#256).
 */
import { ApiError, isRecord, MSG, stringMap } from './reply'
import type { EnterMessage } from './store'

export interface ChatRequest {
  bot_id: string
  user_id: string
  stream: boolean
  additional_messages: EnterMessage[]
  meta_data: Record<string, string>
}

const MAX_ADDITIONAL = 100
const CONTENT_TYPES: readonly string[] = ['text', 'object_string']

const bad = (detail?: string) => new ApiError(4000, detail ? `${MSG.badRequest}: ${detail}` : MSG.badRequest)

export function parseChatRequest(body: unknown): ChatRequest {
  if (!isRecord(body)) throw bad()
  const { bot_id, user_id, stream } = body
  if (typeof bot_id !== 'string' || bot_id === '') throw bad('bot_id must be a non-empty string')
  if (typeof user_id !== 'string' || user_id === '') throw bad('user_id must be a non-empty string')
  if (stream !== undefined && typeof stream !== 'boolean') throw bad('stream must be a boolean')
  return {
    bot_id,
    user_id,
    stream: stream ?? false,
    additional_messages: parseEnterMessages(body.additional_messages, MAX_ADDITIONAL, 4004),
    meta_data: stringMap(body.meta_data) ?? {},
  }
}

/** `EnterMessage[]`; too many → `limitCode` (4004 for additional_messages). */
export function parseEnterMessages(v: unknown, max: number, limitCode: number): EnterMessage[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw bad('messages must be an array')
  if (v.length > max) throw new ApiError(limitCode, `at most ${max} messages are allowed`)
  return v.map((m: unknown) => {
    if (!isRecord(m) || (m.role !== 'user' && m.role !== 'assistant'))
      throw bad('message role must be user or assistant')
    if (typeof m.content !== 'string') throw bad('message content must be a string')
    const contentType = m.content_type ?? 'text'
    if (typeof contentType !== 'string' || !CONTENT_TYPES.includes(contentType))
      throw bad('unsupported content_type')
    const meta = stringMap(m.meta_data)
    return {
      role: m.role,
      content: m.content,
      content_type: contentType as EnterMessage['content_type'],
      ...(meta ? { meta_data: meta } : {}),
    }
  })
}

/** This turn's query: the text of the last user message ('' when there is none). */
export function questionOf(messages: readonly EnterMessage[]): string {
  const last = messages.findLast((m) => m.role === 'user')
  if (!last) return ''
  if (last.content_type === 'text') return last.content
  let items: unknown
  try {
    items = JSON.parse(last.content)
  } catch {
    throw bad('object_string content must be a JSON array')
  }
  if (!Array.isArray(items)) throw bad('object_string content must be a JSON array')
  return items
    .filter(
      (i): i is { type: 'text'; text: string } =>
        isRecord(i) && i.type === 'text' && typeof i.text === 'string',
    )
    .map((i) => i.text)
    .join('\n')
}
