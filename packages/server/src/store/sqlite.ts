/** SQLite adapter (SPEC §4 zero-setup default): better-sqlite3 under the shared Kysely queries. */
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database } from './db'
import { createKyselyStore } from './kysely-store'
import type { Store } from './types'

/**
 * Opens a `Store` on a SQLite file (its folder is created) or on `':memory:'`. Call `migrate()` next.
 *
 * @example
 * const store = await openSqliteStore('./data/volcano-chat.db')
 * await store.migrate()
 */
export async function openSqliteStore(path: string): Promise<Store> {
  if (path !== ':memory:') await mkdir(dirname(path), { recursive: true })
  const database = new SqliteDatabase(path)
  // WAL lets readers (history, health checks) proceed while an answer is being written.
  database.pragma('journal_mode = WAL')
  database.pragma('busy_timeout = 5000')
  const store = createKyselyStore(
    new Kysely<Database>({ dialect: new SqliteDialect({ database }) }),
    'sqlite',
  )
  return {
    ...store,
    async close() {
      await store.close()
      // Kysely only closes a database it has used; a store closed unused must not leak the file handle.
      if (database.open) database.close()
    },
  }
}
