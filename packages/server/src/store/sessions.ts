/** `SessionRepository` on Kysely: a session's record (Redis is its cache). */
import type { Insertable, Kysely } from 'kysely'
import type { ChatSessionTable, Database } from './db'
import { prepared } from './prepared'
import { toSessionRow, toSessionTable } from './rows'
import type { SessionRepository, SessionRow } from './types'
import { createWriteBatch } from './write-batch'

export function sessionRepository(db: Kysely<Database>): SessionRepository {
  // Every session create inserts: compiled once (`prepared.ts`), batched per event-loop turn.
  const insertRows = prepared(db, (rows: Insertable<ChatSessionTable>[]) =>
    db.insertInto('chat_session').values(rows),
  )
  return {
    insertSession: createWriteBatch((rows: SessionRow[]) => insertRows(rows.map(toSessionTable))),

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
  }
}
