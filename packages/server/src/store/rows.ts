/**
 * Row ↔ table mapping for the repositories (`sessions.ts`, `messages.ts`, …). No number conversion
 * here: both drivers are configured to return BIGINT as JS numbers (see `mysql.ts`), and the contract
 * suite checks that they do.
 */
import type { Insertable, Selectable, Updateable } from 'kysely'
import type { ChatConversationTable, ChatFileTable, ChatMessageTable, ChatSessionTable } from './db'
import type {
  ArchivedPart,
  Attachment,
  FileRow,
  ConversationRow,
  MessageFinish,
  MessageRow,
  QuestionInsert,
  SessionRow,
} from './types'

export const toSessionTable = (row: SessionRow): Insertable<ChatSessionTable> => ({
  id: row.id,
  user_id: row.userId,
  phone_masked: row.phoneMasked,
  external_user_id: row.externalUserId,
  display_name: row.displayName,
  key_id: row.keyId,
  client_ip: row.clientIp,
  created_at: row.createdAt,
  expires_at: row.expiresAt,
  revoked_at: row.revokedAt,
  token_hash: row.tokenHash,
  coze_user_id: row.cozeUserId,
  variables: row.variables && JSON.stringify(row.variables),
})

export const toSessionRow = (row: Selectable<ChatSessionTable>): SessionRow => ({
  id: row.id,
  userId: row.user_id,
  phoneMasked: row.phone_masked,
  externalUserId: row.external_user_id,
  displayName: row.display_name,
  keyId: row.key_id,
  clientIp: row.client_ip,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  tokenHash: row.token_hash,
  cozeUserId: row.coze_user_id,
  variables: row.variables ? (JSON.parse(row.variables) as Record<string, string>) : null,
})

export const toConversationTable = (row: ConversationRow): Insertable<ChatConversationTable> => ({
  id: row.id,
  user_id: row.userId,
  title: row.title,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
})

export const toConversationRow = (row: Selectable<ChatConversationTable>): ConversationRow => ({
  id: row.id,
  userId: row.user_id,
  title: row.title,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

/** T1: the answer starts empty (text columns carry no default: TiDB rejects one). */
export const toQuestionTable = (row: QuestionInsert): Insertable<ChatMessageTable> => ({
  id: row.id,
  user_id: row.userId,
  conversation_id: row.conversationId,
  session_id: row.sessionId,
  client_message_id: row.clientMessageId,
  coze_chat_id: null,
  question: row.question,
  answer: '',
  reasoning: null,
  status: 'in_progress',
  error_code: null,
  error_message: null,
  input_tokens: null,
  output_tokens: null,
  client_ip: row.clientIp,
  user_agent: row.userAgent,
  asked_at: row.askedAt,
  first_token_at: null,
  finished_at: null,
  updated_at: row.askedAt,
  coze_code: null,
  coze_logid: null,
  parts: null,
  parent_message_id: row.parentMessageId ?? null,
  suggestions: null,
  feedback: null,
  feedback_comment: null,
  coze_message_id: null,
  // Only what history shows: a resolved attachment also carries Coze's id, which stays in `chat_file`.
  attachments: row.attachments?.length
    ? JSON.stringify(
        row.attachments.map(({ fileId, name, kind, mime, bytes }) => ({ fileId, name, kind, mime, bytes })),
      )
    : null,
})

export const toFinishTable = (finish: MessageFinish): Updateable<ChatMessageTable> => ({
  status: finish.status,
  answer: finish.answer,
  reasoning: finish.reasoning,
  error_code: finish.errorCode,
  error_message: finish.errorMessage,
  input_tokens: finish.inputTokens,
  output_tokens: finish.outputTokens,
  first_token_at: finish.firstTokenAt,
  finished_at: finish.finishedAt,
  updated_at: finish.finishedAt,
  coze_code: finish.cozeCode ?? null,
  coze_logid: finish.cozeLogid?.slice(0, 64) ?? null,
  parts: finish.parts?.length ? JSON.stringify(finish.parts) : null,
  suggestions: finish.suggestions?.length ? JSON.stringify(finish.suggestions) : null,
  ...(finish.cozeMessageId ? { coze_message_id: finish.cozeMessageId.slice(0, 64) } : {}),
})

export const toMessageRow = (row: Selectable<ChatMessageTable>): MessageRow => ({
  id: row.id,
  userId: row.user_id,
  conversationId: row.conversation_id,
  sessionId: row.session_id,
  clientMessageId: row.client_message_id,
  cozeChatId: row.coze_chat_id,
  question: row.question,
  answer: row.answer,
  reasoning: row.reasoning,
  status: row.status,
  errorCode: row.error_code,
  errorMessage: row.error_message,
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  clientIp: row.client_ip,
  userAgent: row.user_agent,
  askedAt: row.asked_at,
  firstTokenAt: row.first_token_at,
  finishedAt: row.finished_at,
  parentMessageId: row.parent_message_id,
  cozeCode: row.coze_code,
  cozeLogid: row.coze_logid,
  parts: partsOf(row.parts),
  suggestions: suggestionsOf(row.suggestions),
  feedback: row.feedback ?? null,
  feedbackComment: row.feedback_comment ?? null,
  cozeMessageId: row.coze_message_id ?? null,
  attachments: attachmentsOf(row.attachments),
  ...(row.new_topic_at == null ? {} : { newTopicAt: row.new_topic_at }),
})

export const toFileTable = (row: FileRow): Insertable<ChatFileTable> => ({
  id: row.fileId,
  user_id: row.userId,
  coze_file_id: row.cozeFileId,
  name: row.name,
  mime: row.mime,
  kind: row.kind,
  bytes: row.bytes,
  content: row.content,
  created_at: row.createdAt,
})

export const toFileRow = (row: Omit<Selectable<ChatFileTable>, 'content'> & { content?: Buffer | null }) =>
  ({
    fileId: row.id,
    userId: row.user_id,
    cozeFileId: row.coze_file_id,
    name: row.name,
    mime: row.mime,
    kind: row.kind,
    bytes: row.bytes,
    createdAt: row.created_at,
    // mysql2 answers a Buffer, better-sqlite3 a Buffer too; a Uint8Array from another driver is wrapped.
    content: row.content
      ? Buffer.from(row.content.buffer, row.content.byteOffset, row.content.byteLength)
      : null,
  }) satisfies FileRow

/** Like `parts`: a corrupt cell (or an older row's NULL) reads as none. */
function attachmentsOf(json: string | null | undefined): Attachment[] | null {
  if (!json) return null
  try {
    const items: unknown = JSON.parse(json)
    return Array.isArray(items) && items.length ? (items as Attachment[]) : null
  } catch {
    return null
  }
}

/** Like `parts`: a corrupt cell (or an older row's NULL) reads as none. */
function suggestionsOf(json: string | null | undefined): string[] | null {
  if (!json) return null
  try {
    const items: unknown = JSON.parse(json)
    return Array.isArray(items) ? items.filter((i): i is string => typeof i === 'string') : null
  } catch {
    return null
  }
}

/** A corrupt `parts` cell must not break a history read: the joined answer text is still there. */
function partsOf(json: string | null): ArchivedPart[] | null {
  if (!json) return null
  try {
    const parts: unknown = JSON.parse(json)
    return Array.isArray(parts) ? (parts as ArchivedPart[]) : null
  } catch {
    return null
  }
}
