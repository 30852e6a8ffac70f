/**
 * Pure request builders for the widget endpoints (SPEC §2.2–2.4). No fetch, no token: `http.ts` adds
 * `Authorization` and sends them, so these stay trivially testable.
 */
export interface Req {
  url: string
  init: RequestInit & { headers: Record<string, string> }
}

export interface SendBody {
  /** May be '' when `attachments` has items. */
  message: string
  conversationId?: string
  clientMessageId?: string
  /** Uploads (`uploadFile`) sent with the question, 1…4, in order; absent when none. */
  attachments?: { fileId: string }[]
}

export interface HistoryQuery {
  conversationId: string
  before?: string
  limit?: number
}

const json = { 'Content-Type': 'application/json' }
const eventStream = { Accept: 'text/event-stream' }

const trimBase = (base: string) => base.replace(/\/+$/, '')

/** @example send('https://chat.example', { message: '你好' }).url // 'https://chat.example/api/chat/send' */
export const send = (base: string, body: SendBody): Req => ({
  url: `${trimBase(base)}/api/chat/send`,
  init: { method: 'POST', headers: { ...json, ...eventStream }, body: JSON.stringify(body) },
})

export interface ReplyBody {
  /** The answer that asked (its `action` `reply`). */
  messageId: string
  toolCallId: string
  text: string
}

/** The user's answer to the bot's question (SPEC §2.4): streams the continuation exactly like `send`. */
export const reply = (base: string, body: ReplyBody): Req => ({
  url: `${trimBase(base)}/api/chat/reply`,
  init: { method: 'POST', headers: { ...json, ...eventStream }, body: JSON.stringify(body) },
})

/** Resume (SPEC §2.3): replays every event after `lastEventId`, then follows the live stream. */
export const resume = (base: string, messageId: string, lastEventId?: string): Req => ({
  url: `${trimBase(base)}/api/chat/stream/${encodeURIComponent(messageId)}`,
  init: {
    method: 'GET',
    headers: lastEventId ? { ...eventStream, 'Last-Event-ID': lastEventId } : { ...eventStream },
  },
})

export const cancel = (base: string, messageId: string): Req => ({
  url: `${trimBase(base)}/api/chat/cancel`,
  init: { method: 'POST', headers: { ...json }, body: JSON.stringify({ messageId }) },
})

export const history = (base: string, q: HistoryQuery): Req => {
  const params = new URLSearchParams({ conversationId: q.conversationId })
  if (q.before) params.set('before', q.before)
  if (q.limit !== undefined) params.set('limit', String(q.limit))
  return { url: `${trimBase(base)}/api/chat/history?${params}`, init: { method: 'GET', headers: {} } }
}

export const conversations = (base: string): Req => ({
  url: `${trimBase(base)}/api/chat/conversations`,
  init: { method: 'GET', headers: {} },
})

/** The bot's prologue and suggested questions (SPEC §2.4). */
export const welcome = (base: string): Req => ({
  url: `${trimBase(base)}/api/chat/welcome`,
  init: { method: 'GET', headers: {} },
})

/** "New topic" (SPEC §2.4): Coze clears the conversation's context, its history stays. */
export const clear = (base: string, conversationId: string): Req => ({
  url: `${trimBase(base)}/api/chat/clear`,
  init: { method: 'POST', headers: { ...json }, body: JSON.stringify({ conversationId }) },
})

export interface FeedbackBody {
  messageId: string
  /** `null` takes the rating back. */
  rating: 'like' | 'unlike' | null
  comment?: string
}

/** The user's 👍/👎 on an answer (SPEC §2.4): archived and passed to Coze. */
export const feedback = (base: string, body: FeedbackBody): Req => ({
  url: `${trimBase(base)}/api/chat/feedback`,
  init: { method: 'POST', headers: { ...json }, body: JSON.stringify(body) },
})

/** Voice (issue 7): a single-use ticket for one `tts` or `asr` WebSocket (`voice/frames.ts` builds its URL). */
export const voiceTicket = (base: string, purpose: 'tts' | 'asr'): Req => ({
  url: `${trimBase(base)}/api/voice/ticket`,
  init: { method: 'POST', headers: { ...json }, body: JSON.stringify({ purpose }) },
})

/** An image or file for the next question (issue 21): multipart field `file`; fetch sets its boundary. */
export const uploadFile = (base: string, file: Blob, name: string): Req => {
  const body = new FormData()
  body.append('file', file, name)
  return { url: `${trimBase(base)}/api/chat/files`, init: { method: 'POST', headers: {}, body } }
}

/** An uploaded image's bytes (thumbnails): fetched with the token, never put in a URL. */
export const fileContent = (base: string, fileId: string): Req => ({
  url: `${trimBase(base)}/api/chat/files/${encodeURIComponent(fileId)}`,
  init: { method: 'GET', headers: {} },
})
