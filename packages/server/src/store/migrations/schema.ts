/**
 * Idempotent DDL for the migrations: each step checks before it acts, so a migration killed half way
 * (neither MySQL nor SQLite runs DDL in a transaction here) re-runs cleanly from its first step.
 * Tables use `IF NOT EXISTS` (every dialect we support has it); indexes and columns ask the schema
 * first, since MySQL 8 has neither `CREATE INDEX IF NOT EXISTS` nor `ADD COLUMN IF NOT EXISTS` and SQLite
 * lacks the latter. The checks are raw SQL reads, so `sql-snapshot.ts` records them beside the DDL.
 */
import { sql, type AlterTableBuilder, type CreateIndexBuilder, type Kysely } from 'kysely'
import type { SqlDialect } from '../db'

/** Whether `table` exists in the connected database. */
export async function hasTable<DB>(db: Kysely<DB>, dialect: SqlDialect, table: string): Promise<boolean> {
  const query =
    dialect === 'mysql'
      ? sql`select 1 as found from information_schema.tables where table_schema = database() and table_name = ${table}`
      : sql`select 1 as found from sqlite_master where type = 'table' and name = ${table}`
  return (await query.execute(db)).rows.length > 0
}

/** Whether `table` has a column `column`. */
export async function hasColumn(
  db: Kysely<unknown>,
  dialect: SqlDialect,
  table: string,
  column: string,
): Promise<boolean> {
  if (dialect === 'mysql') {
    const where = sql`table_schema = database() and table_name = ${table} and column_name = ${column}`
    const { rows } = await sql`select 1 as found from information_schema.columns where ${where}`.execute(db)
    return rows.length > 0
  }
  const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db)
  return rows.some((r) => r.name === column)
}

/** Whether `table` has an index named `index` (MySQL; on SQLite `CREATE INDEX IF NOT EXISTS` does it). */
async function hasMysqlIndex(db: Kysely<unknown>, table: string, index: string): Promise<boolean> {
  const where = sql`table_schema = database() and table_name = ${table} and index_name = ${index}`
  const { rows } = await sql`select 1 as found from information_schema.statistics where ${where}`.execute(db)
  return rows.length > 0
}

/**
 * `CREATE INDEX index ON table …` unless it exists.
 *
 * @example
 * await createIndexIfMissing(db, dialect, 'chat_session_user_idx', 'chat_session', (i) => i.column('user_id'))
 */
export async function createIndexIfMissing(
  db: Kysely<unknown>,
  dialect: SqlDialect,
  index: string,
  table: string,
  build: (index: CreateIndexBuilder) => CreateIndexBuilder<string>,
): Promise<void> {
  if (dialect === 'sqlite') return build(db.schema.createIndex(index).ifNotExists().on(table)).execute()
  if (await hasMysqlIndex(db, table, index)) return
  await build(db.schema.createIndex(index).on(table)).execute()
}

/**
 * `ALTER TABLE table ADD COLUMN …` unless the column exists (one column per statement: SQLite's limit).
 *
 * @example
 * await addColumnIfMissing(db, dialect, 'chat_message', 'coze_code', 'bigint')
 */
export async function addColumnIfMissing(
  db: Kysely<unknown>,
  dialect: SqlDialect,
  table: string,
  column: string,
  type: Parameters<AlterTableBuilder['addColumn']>[1],
): Promise<void> {
  if (await hasColumn(db, dialect, table, column)) return
  await db.schema.alterTable(table).addColumn(column, type).execute()
}
