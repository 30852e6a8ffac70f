/**
 * The one query codebase behind both `Store` adapters (STYLE §4: repositories hold queries). Every read
 * of user data filters by `user_id`; updates never rely on RETURNING (MySQL lacks it).
 */
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely'
import type { ChatMessageTable, ChatSessionTable, Database, SqlDialect } from './db'
import { createAuditQueries } from './audit-queries'
import { createDataQueries } from './data-queries'
import { createWriteBatch } from './write-batch'
import { migrateToLatest, readSchemaState } from './migrations'
import { prepared } from './prepared'
import {
  toConversationRow,
  toConversationTable,
  toFileRow,
  toFileTable,
  toFinishTable,
  toMessageRow,
  toQuestionTable,
  toSessionRow,
  toSessionTable,
} from './rows'
import type { QuestionInsert, SessionRow, Store } from './types'

/**
 * Wraps a Kysely instance (already configured for its dialect) as a `Store`. `close()` destroys it.
 * `schemaDb`, when given, runs the migrations instead: DDL and the migration lock may wait far longer
 * than a query of the service may (MySQL's query timeout, `mysql-pool.ts`).
 *
 * @example
 * const store = createKyselyStore(new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), 'sqlite')
 * await store.migrate()
 */
export function createKyselyStore(
  db: Kysely<Database>,
  dialect: SqlDialect,
  o: { schemaDb?: Kysely<Database> } = {},
): Store {
  const schemaDb = o.schemaDb ?? db
  const q = hotQueries(db)
  // The two inserts of the hot paths (session create, T1 of every send) are batched per event-loop turn.
  const insertSessions = createWriteBatch((rows: SessionRow[]) => q.insertSessions(rows.map(toSessionTable)))
  const insertQuestions = createWriteBatch((rows: QuestionInsert[]) =>
    q.insertQuestions(rows.map(toQuestionTable)),
  )
  // Per answer, two small updates ride the same way: one statement for the turn's chat ids…
  const setCozeChatIds = createWriteBatch(q.setCozeChatIds)
  // …and one for the turn's finished conversations, stamped with the turn's latest time (they differ
  // by less than a turn). Never moves backwards: answers finishing out of order keep the later time.
  const touchConversations = createWriteBatch((rows: { userId: string; id: string; at: number }[]) =>
    q.touchConversations({ at: Math.max(...rows.map((r) => r.at)), rows }),
  )
  return {
    dialect,

    migrate: () => migrateToLatest(schemaDb, dialect),

    schemaState: () => readSchemaState(schemaDb, dialect),

    insertSession: insertSessions,

    async revokeSessions(filter, at) {
      const active = db.updateTable('chat_session').set({ revoked_at: at }).where('revoked_at', 'is', null)
      const scoped =
        'id' in filter ? active.where('id', '=', filter.id) : active.where('user_id', '=', filter.userId)
      const result = await scoped.executeTakeFirst()
      return Number(result.numUpdatedRows)
    },

    async getSessionByTokenHash(tokenHash) {
      // Only on a Redis miss (an empty Redis, an evicted key): not a hot statement.
      const row = await db
        .selectFrom('chat_session')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return row && toSessionRow(row)
    },

    async insertConversation(row) {
      await db.insertInto('chat_conversation').values(toConversationTable(row)).execute()
    },

    async getConversation(userId, id) {
      const [row] = (await q.getConversation({ userId, id })).rows
      return row && toConversationRow(row)
    },

    async listConversations(userId, limit) {
      const rows = await db
        .selectFrom('chat_conversation')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('updated_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute()
      return rows.map(toConversationRow)
    },

    touchConversation: (userId, id, at) => touchConversations({ userId, id, at }),

    insertQuestion: insertQuestions,

    setCozeChatId: (id, cozeChatId) => setCozeChatIds({ id, cozeChatId }),

    async finishMessage(id, finish) {
      const result = await q.finishMessage({ id, set: toFinishTable(finish) })
      return Number(result.numAffectedRows ?? 0) > 0
    },

    async getMessage(userId, id) {
      const [row] = (await q.getMessage({ userId, id })).rows
      return row && toMessageRow(row)
    },

    async setFeedback(userId, id, update) {
      await db
        .updateTable('chat_message')
        .set({
          feedback: update.feedback,
          feedback_comment: update.comment,
          ...(update.cozeMessageId ? { coze_message_id: update.cozeMessageId } : {}),
        })
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .execute()
    },

    async markNewTopic(userId, conversationId, at) {
      const newest = await db
        .selectFrom('chat_message')
        .select('id')
        .where('user_id', '=', userId)
        .where('conversation_id', '=', conversationId)
        .orderBy('asked_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst()
      if (!newest) return false
      await db.updateTable('chat_message').set({ new_topic_at: at }).where('id', '=', newest.id).execute()
      return true
    },

    async releaseClientMessageId(id) {
      await db.updateTable('chat_message').set({ client_message_id: null }).where('id', '=', id).execute()
    },

    async listInProgress(askedBefore, limit) {
      const rows = await db
        .selectFrom('chat_message')
        .selectAll()
        .where('status', '=', 'in_progress')
        .where('asked_at', '<', askedBefore)
        .orderBy('asked_at', 'asc')
        .limit(limit)
        .execute()
      return rows.map(toMessageRow)
    },

    async listMessages(userId, conversationId, page) {
      let query = db
        .selectFrom('chat_message')
        .selectAll()
        .where('user_id', '=', userId)
        .where('conversation_id', '=', conversationId)
      if (page.beforeId !== undefined) {
        const cursor = await db
          .selectFrom('chat_message')
          .select(['asked_at', 'id'])
          .where('user_id', '=', userId)
          .where('conversation_id', '=', conversationId)
          .where('id', '=', page.beforeId)
          .executeTakeFirst()
        if (!cursor) return []
        // Spelled out rather than a row-value comparison so MySQL can use the (user, conversation, asked_at) index.
        query = query.where((eb) =>
          eb.or([
            eb('asked_at', '<', cursor.asked_at),
            eb.and([eb('asked_at', '=', cursor.asked_at), eb('id', '<', cursor.id)]),
          ]),
        )
      }
      const rows = await query.orderBy('asked_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute()
      return rows.map(toMessageRow)
    },

    async insertFile(row) {
      await db.insertInto('chat_file').values(toFileTable(row)).execute()
    },

    async getFiles(userId, ids) {
      if (ids.length === 0) return []
      const rows = await db
        .selectFrom('chat_file')
        .select(FILE_COLUMNS)
        .where('user_id', '=', userId)
        .where('id', 'in', ids)
        .execute()
      return rows.map(toFileRow)
    },

    async getFileContent(userId, id) {
      const row = await db
        .selectFrom('chat_file')
        .selectAll()
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row && toFileRow(row)
    },

    ...createAuditQueries(db),
    ...createDataQueries(db),

    async ping() {
      await sql`select 1`.execute(db)
    },

    async close() {
      await db.destroy()
      // Kysely ends a pool only through an instance that was used: a store that only migrated (a start-up
      // that failed after the schema step) would leave the pool open (issue 22 #6). `mysql.ts` ends it once.
      if (schemaDb !== db) await schemaDb.destroy()
    },
  }
}

/** A file's row without its content (an image's bytes are read only to serve them). */
const FILE_COLUMNS = ['id', 'user_id', 'coze_file_id', 'name', 'mime', 'kind', 'bytes', 'created_at'] as const

/** The statements of every send and session create, compiled once (`prepared.ts`). */
function hotQueries(db: Kysely<Database>) {
  return {
    insertSessions: prepared(db, (rows: Insertable<ChatSessionTable>[]) =>
      db.insertInto('chat_session').values(rows),
    ),
    insertQuestions: prepared(db, (rows: Insertable<ChatMessageTable>[]) =>
      db.insertInto('chat_message').values(rows),
    ),
    setCozeChatIds: prepared(db, (rows: { id: string; cozeChatId: string }[]) => {
      const cases = sql.join(
        rows.map((r) => sql`when ${r.id} then ${r.cozeChatId}`),
        sql` `,
      )
      return db
        .updateTable('chat_message')
        .set({ coze_chat_id: sql<string>`case id ${cases} end` })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
    }),
    touchConversations: prepared(db, (i: { at: number; rows: { userId: string; id: string }[] }) =>
      db
        .updateTable('chat_conversation')
        .set({ updated_at: i.at })
        .where((eb) => eb.or(i.rows.map((r) => eb.and([eb('user_id', '=', r.userId), eb('id', '=', r.id)]))))
        .where('updated_at', '<', i.at),
    ),
    finishMessage: prepared(db, (i: { id: string; set: Updateable<ChatMessageTable> }) =>
      db.updateTable('chat_message').set(i.set).where('id', '=', i.id).where('status', '=', 'in_progress'),
    ),
    getConversation: prepared(db, (i: { userId: string; id: string }) =>
      db.selectFrom('chat_conversation').selectAll().where('user_id', '=', i.userId).where('id', '=', i.id),
    ),
    getMessage: prepared(db, (i: { userId: string; id: string }) =>
      db.selectFrom('chat_message').selectAll().where('user_id', '=', i.userId).where('id', '=', i.id),
    ),
  }
}
