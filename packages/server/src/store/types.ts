/**
 * The archive (SPEC §4). Two adapters from one Kysely codebase: MySQL/MariaDB/TiDB (mysql2) and SQLite
 * (better-sqlite3, the embedded default). Both must pass `store.contract.test.ts`. Every read that returns
 * user data takes the owner's `userId`, so "someone else's row" cannot leak through a forgotten check.
 * Times are epoch milliseconds (portable across dialects, ms precision everywhere).
 */
export type MessageStatus = 'in_progress' | 'completed' | 'failed' | 'cancelled' | 'interrupted'

export interface SessionRow {
  id: string
  userId: string
  phoneMasked: string
  externalUserId: string | null
  displayName: string | null
  keyId: string
  clientIp: string | null
  createdAt: number
  expiresAt: number
  revokedAt: number | null
}

export interface ConversationRow {
  id: string
  userId: string
  title: string | null
  createdAt: number
  updatedAt: number
}

/** Written at T1, before or while Coze is asked. */
export interface QuestionInsert {
  id: string
  userId: string
  conversationId: string
  sessionId: string
  clientMessageId: string | null
  question: string
  clientIp: string | null
  userAgent: string | null
  askedAt: number
}

/** Written at T3, whatever the outcome. */
export interface MessageFinish {
  status: Exclude<MessageStatus, 'in_progress'>
  answer: string
  reasoning: string | null
  errorCode: string | null
  errorMessage: string | null
  inputTokens: number | null
  outputTokens: number | null
  firstTokenAt: number | null
  finishedAt: number
}

export interface MessageRow extends QuestionInsert, Omit<MessageFinish, 'status' | 'finishedAt'> {
  status: MessageStatus
  cozeChatId: string | null
  finishedAt: number | null
}

export interface Store {
  readonly dialect: 'mysql' | 'sqlite'
  /** Runs pending migrations (idempotent; safe when several instances start at once). */
  migrate(): Promise<void>

  insertSession(row: SessionRow): Promise<void>
  /** Marks sessions revoked by id or by owner; returns how many were still active. */
  revokeSessions(filter: { id: string } | { userId: string }, at: number): Promise<number>

  insertConversation(row: ConversationRow): Promise<void>
  getConversation(userId: string, id: string): Promise<ConversationRow | undefined>
  /** Most recently active first. */
  listConversations(userId: string, limit: number): Promise<ConversationRow[]>
  touchConversation(userId: string, id: string, at: number): Promise<void>

  insertQuestion(row: QuestionInsert): Promise<void>
  setCozeChatId(id: string, cozeChatId: string): Promise<void>
  /** T3: only rows still `in_progress` change; returns false when the row was already final. */
  finishMessage(id: string, finish: MessageFinish): Promise<boolean>
  getMessage(userId: string, id: string): Promise<MessageRow | undefined>
  /** Newest first; `beforeId` pages back from (and excluding) that message. */
  listMessages(
    userId: string,
    conversationId: string,
    page: { beforeId?: string; limit: number },
  ): Promise<MessageRow[]>

  ping(): Promise<void>
  close(): Promise<void>
}
