/**
 * The archive (SPEC §4). Two adapters from one Kysely codebase: MySQL/MariaDB/TiDB (mysql2) and SQLite
 * (better-sqlite3, the embedded default). Both must pass `store.contract.test.ts`. Every read that returns
 * user data takes the owner's `userId`, so "someone else's row" cannot leak through a forgotten check.
 * Times are epoch milliseconds (portable across dialects, ms precision everywhere). One repository per
 * area (sessions, conversations, messages, files, audit, user data) plus the archive's lifecycle; `Store`
 * composes them for the assembly, and each feature names only the repositories it uses.
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
  /** SHA-256 (hex) of the token: the row is the session's record, Redis its cache. Null in older rows. */
  tokenHash: string | null
  /** What Coze sees as `user_id`; null when that is the phone number (such a session cannot be rebuilt). */
  cozeUserId: string | null
  /** Website A's `variables` for the session (SPEC §2.1), null when none. */
  variables: Record<string, string> | null
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
  /** A reply to the bot's question links to the message that asked it (SPEC §2.4 `/api/chat/reply`). */
  parentMessageId?: string | null
  /** The files the question carried (SPEC §2.4 `attachments`), in the order sent. */
  attachments?: readonly Attachment[] | null
}

/** A file as a question carries it and history shows it (`GET /api/chat/history` `attachments`). */
export interface Attachment {
  fileId: string
  name: string
  kind: FileKind
  mime: string
  bytes: number
}

/** `image`: Coze gets an `image` item and the bytes are kept for history; `file`: anything else allowed. */
export type FileKind = 'image' | 'file'

/** One upload (`chat_file`). `content` is the image's bytes (null for documents, and when not asked for). */
export interface FileRow extends Attachment {
  userId: string
  cozeFileId: string
  createdAt: number
  content: Buffer | null
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
  /** Coze's own code and logid when Coze failed the answer: for the operator, never the user. */
  cozeCode?: number | null
  cozeLogid?: string | null
  /** Every answer message (cards, several answers), when there was more than one plain text. */
  parts?: ArchivedPart[] | null
  /** The follow-up questions Coze suggested (the chips), when it suggested any. */
  suggestions?: string[] | null
  /** Coze's id of the (last) answer message, when one arrived: what Coze's feedback API rates. */
  cozeMessageId?: string | null
}

/** One answer message as archived (`chat_message.parts`). */
export interface ArchivedPart {
  kind: 'text' | 'card' | 'image' | 'file'
  text?: string
  data?: unknown
}

export interface MessageRow
  extends
    Omit<QuestionInsert, 'parentMessageId' | 'attachments'>,
    Omit<MessageFinish, 'status' | 'finishedAt' | 'cozeCode' | 'cozeLogid' | 'parts' | 'suggestions'> {
  status: MessageStatus
  cozeChatId: string | null
  finishedAt: number | null
  parentMessageId: string | null
  cozeCode: number | null
  cozeLogid: string | null
  parts: ArchivedPart[] | null
  suggestions: string[] | null
  feedback: Rating | null
  feedbackComment: string | null
  cozeMessageId: string | null
  attachments: Attachment[] | null
  /** A new topic began after this message, at this time (`POST /api/chat/clear`); absent otherwise. */
  newTopicAt?: number
}

/** An answer's rating (SPEC §2.4), Coze's `feedback_type` values. */
export type Rating = 'like' | 'unlike'

/** `MessageRepository.setFeedback`: the user's rating, null to remove it; `cozeMessageId` once it is known. */
export interface FeedbackUpdate {
  feedback: Rating | null
  comment: string | null
  cozeMessageId?: string
}

/** One `audit_event` row: who did what, from where, allowed or denied, and the chain link (issue 6). */
export interface AuditRow {
  id: string
  /** Position in the chain, from 1, without gaps. */
  seq: number
  at: number
  action: string
  outcome: 'allowed' | 'denied'
  reason: string | null
  userId: string | null
  phoneMasked: string | null
  clientIp: string | null
  userAgent: string | null
  keyId: string | null
  requestId: string | null
  /** Small JSON object with action-specific facts (message id, limit name, counts). */
  detail: string | null
  prevHash: string
  hash: string
}

/** Rows removed by retention or erasure, per table. */
export interface DeletedCounts {
  sessions: number
  conversations: number
  messages: number
  files: number
}

/** Everything the archive holds about one user (export by phone). */
export interface UserData {
  sessions: SessionRow[]
  conversations: ConversationRow[]
  messages: MessageRow[]
  /** The user's uploads; an image's bytes as base64 (documents keep none). */
  files: (Omit<FileRow, 'content'> & { contentBase64: string | null })[]
  auditEvents: AuditRow[]
}

/** Where the database's schema stands against this release's migrations (`store/migrations/index.ts`). */
export interface SchemaState {
  /** This release's migrations the database has not run yet. */
  pending: string[]
  /** Migrations the database has run that this release does not know: a newer release's, additive by the
   * expand/contract rule, so this release runs on them unchanged. */
  newer: string[]
}

/**
 * What `vc_mysql_errors_total{kind}` counts: the bounds tripping, or the driver losing MySQL
 * (`mysql-pool.ts`, reported through `MysqlOptions.watch`).
 */
export type MysqlFaultKind = 'acquire_timeout' | 'queue_full' | 'query_timeout' | 'connection'

/** MySQL's pool as the metrics read it at each scrape. */
export interface PoolState {
  /** Connections lent to queries right now (at most `size`). */
  inUse: number
  /** Requests waiting for a connection (at most `queueLimit`). */
  queued: number
  size: number
}

/**
 * The archive's own life: schema and connection. Only the assembly (`app/`) migrates or closes it;
 * health checks read `dialect` and `ping`.
 */
export interface ArchiveLifecycle {
  readonly dialect: 'mysql' | 'sqlite'
  /**
   * Runs this release's pending migrations (idempotent; safe when several instances start at once, or
   * after a run killed half way). A schema already at or past this release's is left alone.
   */
  migrate(): Promise<SchemaState & { ran: string[] }>
  /** Reads the schema's state without changing anything (`MIGRATE_ON_START=false`). */
  schemaState(): Promise<SchemaState>
  ping(): Promise<void>
  close(): Promise<void>
}

/** `chat_session`: the record behind each token (Redis is its cache). */
export interface SessionRepository {
  insertSession(row: SessionRow): Promise<void>
  /** Marks sessions revoked by id or by owner; returns how many were still active. */
  revokeSessions(filter: { id: string } | { userId: string }, at: number): Promise<number>
  /** The session whose token hashes to `tokenHash` (revoked and expired ones too), or undefined. */
  getSessionByTokenHash(tokenHash: string): Promise<SessionRow | undefined>
}

/** `chat_conversation`, and where a conversation's topics begin. */
export interface ConversationRepository {
  insertConversation(row: ConversationRow): Promise<void>
  getConversation(userId: string, id: string): Promise<ConversationRow | undefined>
  /** Most recently active first. */
  listConversations(userId: string, limit: number): Promise<ConversationRow[]>
  touchConversation(userId: string, id: string, at: number): Promise<void>
  /**
   * A new topic begins after the conversation's newest message (`newTopicAt`); false when it has none.
   * The caller holds the conversation's lock: no answer is being added meanwhile.
   */
  markNewTopic(userId: string, conversationId: string, at: number): Promise<boolean>
}

/** `chat_message`: a question at T1, its answer at T3, its rating. */
export interface MessageRepository {
  insertQuestion(row: QuestionInsert): Promise<void>
  setCozeChatId(id: string, cozeChatId: string): Promise<void>
  /**
   * Frees a message's `clientMessageId` (sets it to null) so the widget may retry with the same id:
   * used when the answer was refused before a single event reached the widget.
   */
  releaseClientMessageId(id: string): Promise<void>
  /** T3: only rows still `in_progress` change; returns false when the row was already final. */
  finishMessage(id: string, finish: MessageFinish): Promise<boolean>
  getMessage(userId: string, id: string): Promise<MessageRow | undefined>
  /** The user's rating of their own answer (the caller checked it exists: MySQL counts changed rows only). */
  setFeedback(userId: string, id: string, update: FeedbackUpdate): Promise<void>
  /** Newest first; `beforeId` pages back from (and excluding) that message. */
  listMessages(
    userId: string,
    conversationId: string,
    page: { beforeId?: string; limit: number },
  ): Promise<MessageRow[]>
  /**
   * Every user's answers still `in_progress` that were asked before `askedBefore`, oldest first: the
   * sweeper's work list (issue 5). Not a user-facing read, hence no userId.
   */
  listInProgress(askedBefore: number, limit: number): Promise<MessageRow[]>
}

/** `chat_file`: the users' uploads. */
export interface FileRepository {
  /** An upload (`POST /api/chat/files`). */
  insertFile(row: FileRow): Promise<void>
  /**
   * The user's own uploads among `ids` (any order; unknown and others' ids are simply absent), without
   * their content.
   */
  getFiles(userId: string, ids: string[]): Promise<FileRow[]>
  /** One of the user's uploads with its content (an image's bytes), or undefined. */
  getFileContent(userId: string, id: string): Promise<FileRow | undefined>
}

/** `audit_event`: the append-only chain. */
export interface AuditRepository {
  /**
   * Appends rows to the audit chain in one statement. Returns false, writing nothing, when one of their
   * `seq` was already taken (another instance appended first): re-read the head and retry.
   * There is deliberately no method to update or delete audit rows.
   */
  appendAudit(rows: AuditRow[]): Promise<boolean>
  /** The chain's last row, or undefined when empty. */
  lastAudit(): Promise<Pick<AuditRow, 'seq' | 'hash'> | undefined>
  /** Rows with `seq` > `afterSeq`, ascending. */
  listAudit(afterSeq: number, limit: number): Promise<AuditRow[]>
}

/** Retention and the user's rights (issue 6): across every chat table at once. */
export interface UserDataRepository {
  /** Retention: chat rows older than `cutoff` (asked/updated/expired/uploaded before it), in small batches. */
  deleteChatDataBefore(cutoff: number): Promise<DeletedCounts>
  /** Export by phone: every row about `userId`, audit events included. */
  exportUserData(userId: string): Promise<UserData>
  /** Erasure by phone: the user's sessions, conversations, messages and files (audit rows stay: append-only). */
  eraseUserData(userId: string): Promise<DeletedCounts>
}

/**
 * The whole adapter, every repository on one object: what `openStore` returns and only the assembly
 * (`app/`) holds. A feature takes the repositories it uses (lint: `no-restricted-imports`).
 */
export interface Store
  extends
    ArchiveLifecycle,
    SessionRepository,
    ConversationRepository,
    MessageRepository,
    FileRepository,
    AuditRepository,
    UserDataRepository {}
