/**
 * `UserDataRepository` on Kysely: retention and per-user export/erasure (issue 6). Deletes go in id
 * batches (select ids, then delete by id): portable (MySQL rejects LIMIT in an IN subquery, SQLite lacks
 * DELETE … LIMIT) and short row locks on a busy archive.
 */
import type { Kysely } from 'kysely'
import type { Database } from './db'
import { listAuditOfUser } from './audit'
import { toConversationRow, toFileRow, toMessageRow, toSessionRow } from './rows'
import type { UserDataRepository } from './types'

const BATCH = 500

type ChatTable = 'chat_session' | 'chat_conversation' | 'chat_message' | 'chat_file'
const AGE_COLUMN = {
  chat_session: 'expires_at',
  chat_conversation: 'updated_at',
  chat_message: 'asked_at',
  chat_file: 'created_at',
} as const

export function userDataRepository(db: Kysely<Database>): UserDataRepository {
  /** Deletes every row of `table` matched by `filter`, BATCH ids at a time; returns how many. */
  async function deleteInBatches(
    table: ChatTable,
    filter: { olderThan: number } | { userId: string },
  ): Promise<number> {
    let total = 0
    for (;;) {
      const base = db.selectFrom(table).select('id')
      const ids = (
        await (
          'userId' in filter
            ? base.where('user_id', '=', filter.userId)
            : base.where(AGE_COLUMN[table], '<', filter.olderThan)
        )
          .limit(BATCH)
          .execute()
      ).map((r) => r.id)
      if (ids.length === 0) return total
      const result = await db.deleteFrom(table).where('id', 'in', ids).executeTakeFirst()
      total += Number(result.numDeletedRows)
      if (ids.length < BATCH) return total
    }
  }

  /** Messages first, so a run cut short never leaves messages whose conversation is gone. */
  async function deleteAll(filter: { olderThan: number } | { userId: string }) {
    const messages = await deleteInBatches('chat_message', filter)
    const conversations = await deleteInBatches('chat_conversation', filter)
    const sessions = await deleteInBatches('chat_session', filter)
    // Uploads (with an image's bytes) go with the rest; a question naming one shows it as gone (404).
    const files = await deleteInBatches('chat_file', filter)
    return { sessions, conversations, messages, files }
  }

  return {
    deleteChatDataBefore: (cutoff) => deleteAll({ olderThan: cutoff }),

    eraseUserData: (userId) => deleteAll({ userId }),

    async exportUserData(userId) {
      const [sessions, conversations, messages, files, auditEvents] = await Promise.all([
        db
          .selectFrom('chat_session')
          .selectAll()
          .where('user_id', '=', userId)
          .orderBy('created_at')
          .execute(),
        db
          .selectFrom('chat_conversation')
          .selectAll()
          .where('user_id', '=', userId)
          .orderBy('created_at')
          .execute(),
        db.selectFrom('chat_message').selectAll().where('user_id', '=', userId).orderBy('asked_at').execute(),
        db.selectFrom('chat_file').selectAll().where('user_id', '=', userId).orderBy('created_at').execute(),
        listAuditOfUser(db, userId),
      ])
      return {
        sessions: sessions.map(toSessionRow),
        conversations: conversations.map(toConversationRow),
        messages: messages.map(toMessageRow),
        files: files.map(toFileRow).map(({ content, ...file }) => ({
          ...file,
          contentBase64: content ? content.toString('base64') : null,
        })),
        auditEvents,
      }
    },
  }
}
