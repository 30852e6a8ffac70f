/**
 * Kysely table types for the archive (SPEC §4): snake_case columns, times as BIGINT epoch ms, ids as
 * service-generated varchar keys. Only `store/` sees these; everything else uses the rows in `types.ts`.
 */
import type { MessageStatus, Rating } from './types'

export interface ChatSessionTable {
  id: string
  user_id: string
  phone_masked: string
  external_user_id: string | null
  display_name: string | null
  key_id: string
  client_ip: string | null
  created_at: number
  expires_at: number
  revoked_at: number | null
  /** SHA-256 (hex) of the session's token: how a Redis miss finds the row (never the token itself). */
  token_hash: string | null
  /** What Coze sees as `user_id`; null when it is the phone number (`COZE_USER_ID_MODE=phone`). */
  coze_user_id: string | null
  /** JSON object of website A's `variables`, null when none were sent. */
  variables: string | null
}

export interface ChatConversationTable {
  id: string
  user_id: string
  title: string | null
  created_at: number
  updated_at: number
}

export interface ChatMessageTable {
  id: string
  user_id: string
  conversation_id: string
  session_id: string
  client_message_id: string | null
  coze_chat_id: string | null
  question: string
  answer: string
  reasoning: string | null
  status: MessageStatus
  error_code: string | null
  error_message: string | null
  input_tokens: number | null
  output_tokens: number | null
  client_ip: string | null
  user_agent: string | null
  asked_at: number
  first_token_at: number | null
  finished_at: number | null
  updated_at: number
  coze_code: number | null
  coze_logid: string | null
  /** JSON array of the answer's parts (`AnswerPart[]`), null for a plain text answer. */
  parts: string | null
  parent_message_id: string | null
  /** JSON array of the follow-up questions Coze suggested, null when none (migration 0006). */
  suggestions: string | null
  /** The user's rating (`like`/`unlike`), null when unrated (SPEC §2.4 feedback). */
  feedback: Rating | null
  feedback_comment: string | null
  /** Coze's id of the answer message (its feedback API needs it), filled when the answer is first rated. */
  coze_message_id: string | null
  /** JSON array of the question's attachments (`Attachment[]`), null when none (migration 0007). */
  attachments: string | null
  /** When a new topic began after this message (`POST /api/chat/clear`, migration 0008), else null. */
  new_topic_at: number | null
}

/** One upload (`POST /api/chat/files`, migration 0007); `content` only for images. */
export interface ChatFileTable {
  id: string
  user_id: string
  coze_file_id: string
  name: string
  mime: string
  kind: 'image' | 'file'
  bytes: number
  content: Buffer | null
  created_at: number
}

export interface AuditEventTable {
  id: string
  seq: number
  at: number
  action: string
  outcome: 'allowed' | 'denied'
  reason: string | null
  user_id: string | null
  phone_masked: string | null
  client_ip: string | null
  user_agent: string | null
  key_id: string | null
  request_id: string | null
  detail: string | null
  prev_hash: string
  hash: string
}

export interface Database {
  chat_session: ChatSessionTable
  chat_conversation: ChatConversationTable
  chat_message: ChatMessageTable
  chat_file: ChatFileTable
  audit_event: AuditEventTable
}

/** Which SQL family a store speaks; migrations pick column types by it. */
export type SqlDialect = 'mysql' | 'sqlite'
