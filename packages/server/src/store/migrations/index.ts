/**
 * Every migration, in order, for Kysely's `Migrator`. Listed in code rather than read from a folder so
 * bundling and `tsx` both work and each migration can be told the dialect.
 */
import type { Migration, MigrationProvider } from 'kysely'
import type { SqlDialect } from '../db'
import * as m0001 from './0001_create_chat_tables'
import * as m0002 from './0002_create_audit_event'
import * as m0003 from './0003_answer_parts_and_coze_codes'

/** The migrations for one dialect, keyed by name (names sort in run order). */
export function listMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_create_chat_tables': { up: (db) => m0001.up(db, dialect), down: (db) => m0001.down(db) },
    '0002_create_audit_event': { up: (db) => m0002.up(db, dialect), down: (db) => m0002.down(db, dialect) },
    '0003_answer_parts_and_coze_codes': {
      up: (db) => m0003.up(db, dialect),
      down: (db) => m0003.down(db),
    },
  }
}

/**
 * A `MigrationProvider` for `new Migrator({ db, provider })`.
 *
 * @example
 * const { error } = await new Migrator({ db, provider: createMigrationProvider('sqlite') }).migrateToLatest()
 */
export function createMigrationProvider(dialect: SqlDialect): MigrationProvider {
  return { getMigrations: async () => listMigrations(dialect) }
}
