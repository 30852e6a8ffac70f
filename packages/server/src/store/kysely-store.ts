/**
 * The one query codebase behind both `Store` adapters (STYLE §4: repositories hold queries): each area's
 * repository (`sessions.ts`, `conversations.ts`, `messages.ts`, `files.ts`, `audit.ts`, `user-data.ts`)
 * on one Kysely instance, plus the archive's lifecycle. Every read of user data filters by `user_id`.
 */
import { sql, type Kysely } from 'kysely'
import { auditRepository } from './audit'
import { conversationRepository } from './conversations'
import type { Database, SqlDialect } from './db'
import { fileRepository } from './files'
import { messageRepository } from './messages'
import { migrateToLatest, readSchemaState } from './migrations'
import { sessionRepository } from './sessions'
import type { ArchiveLifecycle, Store } from './types'
import { userDataRepository } from './user-data'

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
  return {
    ...lifecycle(db, dialect, o.schemaDb ?? db),
    ...sessionRepository(db),
    ...conversationRepository(db),
    ...messageRepository(db),
    ...fileRepository(db),
    ...auditRepository(db),
    ...userDataRepository(db),
  }
}

function lifecycle(db: Kysely<Database>, dialect: SqlDialect, schemaDb: Kysely<Database>): ArchiveLifecycle {
  return {
    dialect,

    migrate: () => migrateToLatest(schemaDb, dialect),

    schemaState: () => readSchemaState(schemaDb, dialect),

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
