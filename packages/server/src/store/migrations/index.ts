/**
 * Every migration, in order, for Kysely's `Migrator`. Listed in code rather than read from a folder so
 * bundling and `tsx` both work and each migration can be told the dialect.
 *
 * **Expand/contract rule** (so a rollback to the previous release works on the newer schema):
 * - A migration only *expands*: new tables, new nullable (or defaulted) columns, new indexes. It never
 *   renames, drops, narrows or re-types what a released version reads or writes, and never adds a
 *   unique or NOT NULL constraint an older release's writes could break.
 * - A *contract* (dropping a column or table the code no longer uses) ships at least one release after
 *   the last release that used it, once no instance of that release can come back.
 * - Every step is idempotent (`schema.ts`): a migration killed half way re-runs cleanly.
 * - Names sort in run order (`NNNN_what`); a shipped migration never changes what it creates.
 * So an older release finding migrations it does not know (`SchemaState.newer`) runs unchanged:
 * `migrateToLatest` does nothing when every migration this release knows has run.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import type { SqlDialect } from '../db'
import type { SchemaState, Store } from '../types'
import * as m0001 from './0001_create_chat_tables'
import * as m0002 from './0002_create_audit_event'
import * as m0003 from './0003_answer_parts_and_coze_codes'
import * as m0004 from './0004_session_record'
import * as m0005 from './0005_message_feedback'
import * as m0006 from './0006_message_suggestions'
import * as m0007 from './0007_chat_files'
import * as m0008 from './0008_message_new_topic'
import { hasTable } from './schema'

/** The migrations for one dialect, keyed by name (names sort in run order). */
export function listMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_create_chat_tables': { up: (db) => m0001.up(db, dialect), down: (db) => m0001.down(db) },
    '0002_create_audit_event': { up: (db) => m0002.up(db, dialect), down: (db) => m0002.down(db, dialect) },
    '0003_answer_parts_and_coze_codes': {
      up: (db) => m0003.up(db, dialect),
      down: (db) => m0003.down(db),
    },
    '0004_session_record': { up: (db) => m0004.up(db, dialect), down: (db) => m0004.down(db, dialect) },
    '0005_message_feedback': { up: (db) => m0005.up(db, dialect), down: (db) => m0005.down(db) },
    '0006_message_suggestions': { up: (db) => m0006.up(db, dialect), down: (db) => m0006.down(db) },
    '0007_chat_files': { up: (db) => m0007.up(db, dialect), down: (db) => m0007.down(db) },
    '0008_message_new_topic': { up: (db) => m0008.up(db, dialect), down: (db) => m0008.down(db) },
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

/** Kysely's record of the migrations run (its default table name). */
const MIGRATION_TABLE = 'kysely_migration'

/**
 * Which of this release's migrations the database lacks, and which it has that this release does not
 * know. Reads only.
 *
 * @example
 * const { pending } = await readSchemaState(db, 'mysql') // ['0003_answer_parts_and_coze_codes']
 */
export async function readSchemaState<DB>(db: Kysely<DB>, dialect: SqlDialect): Promise<SchemaState> {
  const known = Object.keys(listMigrations(dialect)).sort()
  if (!(await hasTable(db, dialect, MIGRATION_TABLE))) return { pending: known, newer: [] }
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db)
  const ran = new Set(rows.map((r) => r.name))
  return {
    pending: known.filter((name) => !ran.has(name)),
    newer: [...ran].filter((name) => !known.includes(name)).sort(),
  }
}

/**
 * Runs this release's pending migrations under Kysely's `Migrator` (its lock keeps instances starting
 * together from racing). When none is pending it never starts the `Migrator`, which would refuse a
 * database holding migrations it does not know: by the expand/contract rule this release works on it.
 *
 * @example
 * const { ran, newer } = await migrateToLatest(db, 'sqlite')
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  dialect: SqlDialect,
): Promise<SchemaState & { ran: string[] }> {
  const before = await readSchemaState(db, dialect)
  if (before.pending.length === 0) return { ...before, ran: [] }
  if (before.newer.length > 0) {
    // Releases ship their migrations in order, so a newer release always ran every older one.
    throw new Error(
      `migration: the database has ${before.newer.join(', ')} of a newer release but lacks ` +
        `${before.pending.join(', ')}: its migration history does not match any release`,
    )
  }
  const migrator = new Migrator({ db, provider: createMigrationProvider(dialect) })
  const { error, results = [] } = await migrator.migrateToLatest()
  if (error) {
    // A newer release may have migrated while this one waited for the lock: fine if nothing is pending.
    const after = await readSchemaState(db, dialect)
    if (after.pending.length === 0) return { ...after, ran: [] }
    throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`)
  }
  const ran = results.filter((r) => r.status === 'Success').map((r) => r.migrationName)
  return { ...(await readSchemaState(db, dialect)), ran }
}

/** Start-up may not migrate and the schema lacks this release's migrations: one line, for the operator. */
export class SchemaBehindError extends Error {
  constructor(readonly pending: string[]) {
    super(
      `database schema is behind this release (missing ${pending.join(', ')}) and MIGRATE_ON_START=false: ` +
        'run `npm run migrate` with this release first',
    )
    this.name = 'SchemaBehindError'
    this.stack = `${this.name}: ${this.message}` // the line is the whole story; no trace
  }
}

/**
 * The schema step of start-up: migrate (`MIGRATE_ON_START=true`, the default) or only check that every
 * migration of this release has run (`false`: `npm run migrate` is a separate deployment step) and throw
 * `SchemaBehindError` if not. Either way a newer schema is accepted and logged.
 *
 * @example
 * await prepareSchema(store, { migrate: config.migrateOnStart, log })
 */
export async function prepareSchema(
  store: Pick<Store, 'migrate' | 'schemaState'>,
  o: { migrate: boolean; log: { info(obj: object, msg: string): void } },
): Promise<void> {
  const state = o.migrate ? await store.migrate() : { ...(await store.schemaState()), ran: [] }
  if (state.pending.length > 0) throw new SchemaBehindError(state.pending)
  if (state.ran.length > 0) o.log.info({ ran: state.ran }, 'database migrated')
  if (state.newer.length > 0) {
    o.log.info(
      { newer: state.newer },
      'database schema is newer than this release: running on it unchanged (expand/contract)',
    )
  }
}
