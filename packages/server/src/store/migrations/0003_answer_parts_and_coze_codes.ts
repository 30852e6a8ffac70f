/**
 * Issue 18: what Coze said about a failed answer (its code and logid, for the operator), every answer
 * message beside the joined text (`parts`, JSON: cards and several answers per chat), and the link from
 * a reply to the bot's question (`parent_message_id`). Nullable columns only: rows written before this
 * migration stay valid and an older release can still write the table. Never change what it adds
 * once shipped. Each column is added only if missing (`schema.ts`): a run killed half way re-runs cleanly.
 */
import { sql, type Kysely } from 'kysely'
import type { SqlDialect } from '../db'
import { addColumnIfMissing } from './schema'

const COLUMNS = ['coze_code', 'coze_logid', 'parts', 'parent_message_id'] as const

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const longText = dialect === 'mysql' ? sql`longtext` : sql`text`
  // One ALTER per column: SQLite adds only one at a time.
  const add = addColumnIfMissing.bind(null, db, dialect, 'chat_message')
  await add('coze_code', 'bigint')
  await add('coze_logid', 'varchar(64)')
  await add('parts', longText)
  await add('parent_message_id', 'varchar(64)')
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('chat_message').dropColumn(column).execute()
}
