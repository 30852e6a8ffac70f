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

/** The ids `/v1/files/upload` handed out: an object_string may only name those. */
export type KnownFiles = { has(fileId: string): boolean }

/**
 * `knownFiles`, when given, checks the `file_id` of every object_string image/file/audio item (the sim's
 * `/v3/chat`; conversation create does not check yet).
 */
export function parseChatRequest(body: unknown, knownFiles?: KnownFiles): ChatRequest {
  if (!isRecord(body)) throw bad()
  const { bot_id, user_id, stream } = body
  if (typeof bot_id !== 'string' || bot_id === '') throw bad('bot_id must be a non-empty string')
  if (typeof user_id !== 'string' || user_id === '') throw bad('user_id must be a non-empty string')
  if (stream !== undefined && typeof stream !== 'boolean') throw bad('stream must be a boolean')
  return {
    bot_id,
    user_id,
    stream: stream ?? false,
    additional_messages: parseEnterMessages(body.additional_messages, MAX_ADDITIONAL, 4004, knownFiles),
    meta_data: stringMap(body.meta_data) ?? {},
  }
}

/** `EnterMessage[]`; too many → `limitCode` (4004 for additional_messages). */
export function parseEnterMessages(
  v: unknown,
  max: number,
  limitCode: number,
  knownFiles?: KnownFiles,
): EnterMessage[] {
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
    if (contentType === 'object_string' && knownFiles) checkObjectString(m.content, knownFiles)
    const meta = stringMap(m.meta_data)
    return {
      role: m.role,
      content: m.content,
      content_type: contentType as EnterMessage['content_type'],
      ...(meta ? { meta_data: meta } : {}),
    }
  })
}

const FILE_ITEMS: readonly string[] = ['image', 'file', 'audio']

/**
 * An object_string's items (js `ObjectStringItem`, coze-protocol §9 row 11): `text` with a string `text`;
 * `image`, `file`, `audio` with a `file_id` from `/v1/files/upload` or a `file_url`.
 */
function checkObjectString(content: string, knownFiles: KnownFiles): void {
  const items = objectItems(content)
  if (items.length === 0) throw bad('object_string content must not be empty')
  for (const item of items) {
    if (!isRecord(item) || typeof item.type !== 'string') throw bad('object_string item must have a type')
    if (item.type === 'text') {
      if (typeof item.text !== 'string') throw bad('object_string text item must have a text')
      continue
    }
    if (!FILE_ITEMS.includes(item.type)) throw bad(`unsupported object_string item type ${item.type}`)
    const { file_id: fileId, file_url: fileUrl } = item
    if (fileId === undefined && typeof fileUrl === 'string' && /^https?:\/\//.test(fileUrl)) continue
    if (typeof fileId !== 'string' || fileId === '')
      throw bad(`${item.type} item needs a file_id or a file_url`)
    // UNVERIFIED: Coze's code for a file_id it never issued (neither the SDKs nor the docs say); 4000
    // "invalid parameter", before any chat is created, is what its other refusals of a body look like.
    if (!knownFiles.has(fileId)) throw bad(`file_id ${fileId} is not a file uploaded by this account`)
  }
}

function objectItems(content: string): unknown[] {
  let items: unknown
  try {
    items = JSON.parse(content)
  } catch {
    throw bad('object_string content must be a JSON array')
  }
  if (!Array.isArray(items)) throw bad('object_string content must be a JSON array')
  return items
}

/** This turn's query: the text of the last user message ('' when there is none). */
export function questionOf(messages: readonly EnterMessage[]): string {
  const last = messages.findLast((m) => m.role === 'user')
  if (!last) return ''
  if (last.content_type === 'text') return last.content
  return objectItems(last.content)
    .filter(
      (i): i is { type: 'text'; text: string } =>
        isRecord(i) && i.type === 'text' && typeof i.text === 'string',
    )
    .map((i) => i.text)
    .join('\n')
}
