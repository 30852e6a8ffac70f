/** `MessageRepository` on Kysely. Updates never rely on RETURNING (MySQL lacks it). */
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely'
import type { ChatMessageTable, Database } from './db'
import { prepared } from './prepared'
import { toFinishTable, toMessageRow, toQuestionTable } from './rows'
import type { MessageRepository, QuestionInsert } from './types'
import { createWriteBatch } from './write-batch'

export function messageRepository(db: Kysely<Database>): MessageRepository {
  const q = hotQueries(db)
  // T1 of every send is batched per event-loop turn…
  const insertQuestions = createWriteBatch((rows: QuestionInsert[]) =>
    q.insertQuestions(rows.map(toQuestionTable)),
  )
  // …and so is the turn's chat ids, one statement for all.
  const setCozeChatIds = createWriteBatch(q.setCozeChatIds)
  return {
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
  }
}

/** The message statements of every send, compiled once (`prepared.ts`). */
function hotQueries(db: Kysely<Database>) {
  return {
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
    finishMessage: prepared(db, (i: { id: string; set: Updateable<ChatMessageTable> }) =>
      db.updateTable('chat_message').set(i.set).where('id', '=', i.id).where('status', '=', 'in_progress'),
    ),
    getMessage: prepared(db, (i: { userId: string; id: string }) =>
      db.selectFrom('chat_message').selectAll().where('user_id', '=', i.userId).where('id', '=', i.id),
    ),
  }
}
