/**
 * Issue 21: the follow-up questions Coze suggested after an answer (`follow_up` messages), kept so a
 * reload shows them again (history `items[].suggestions`). JSON array of strings, NULL when there were
 * none. A nullable column only: rows written before this migration stay valid and an older release can
 * still write the table. Never change what it adds once shipped. The column is added only if missing
 * (`schema.ts`): a run killed half way re-runs cleanly.
 */
import { sql, type Kysely } from 'kysely'
import type { SqlDialect } from '../db'
import { addColumnIfMissing } from './schema'

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  await addColumnIfMissing(
    db,
    dialect,
    'chat_message',
    'suggestions',
    dialect === 'mysql' ? sql`longtext` : sql`text`,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('chat_message').dropColumn('suggestions').execute()
}
