/** `ConversationRepository` on Kysely. */
import type { Kysely } from 'kysely'
import type { Database } from './db'
import { prepared } from './prepared'
import { toConversationRow, toConversationTable } from './rows'
import type { ConversationRepository } from './types'
import { createWriteBatch } from './write-batch'

export function conversationRepository(db: Kysely<Database>): ConversationRepository {
  // Every send reads its conversation and every answer touches it: compiled once (`prepared.ts`).
  const getRow = prepared(db, (i: { userId: string; id: string }) =>
    db.selectFrom('chat_conversation').selectAll().where('user_id', '=', i.userId).where('id', '=', i.id),
  )
  const touchRows = prepared(db, (i: { at: number; rows: { userId: string; id: string }[] }) =>
    db
      .updateTable('chat_conversation')
      .set({ updated_at: i.at })
      .where((eb) => eb.or(i.rows.map((r) => eb.and([eb('user_id', '=', r.userId), eb('id', '=', r.id)]))))
      .where('updated_at', '<', i.at),
  )
  // One statement for the turn's finished conversations, stamped with the turn's latest time (they
  // differ by less than a turn). Never moves backwards: answers finishing out of order keep the later time.
  const touchConversations = createWriteBatch((rows: { userId: string; id: string; at: number }[]) =>
    touchRows({ at: Math.max(...rows.map((r) => r.at)), rows }),
  )
  return {
    async insertConversation(row) {
      await db.insertInto('chat_conversation').values(toConversationTable(row)).execute()
    },

    async getConversation(userId, id) {
      const [row] = (await getRow({ userId, id })).rows
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
  }
}
