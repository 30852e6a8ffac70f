/**
 * Issue 19: the `chat_session` row becomes the record of a session and Redis its cache, so sessions
 * survive an empty Redis. A Redis miss looks the row up by `token_hash` (SHA-256 of the token, never the
 * token) and rebuilds the session from it: `coze_user_id` (what Coze sees as `user_id`; NULL in
 * `COZE_USER_ID_MODE=phone`, where it is the phone number, which the archive never keeps: such sessions
 * cannot be rebuilt and their users sign in again after an empty Redis) and `variables` (website A's
 * `variables`, JSON). Nullable columns and a unique index on a nullable column only (rows written before
 * this migration, or by an older release, hold NULL, which a unique index allows many times). Never
 * change what it adds once shipped. Each step checks first (`schema.ts`): a run killed half way re-runs cleanly.
 */
import { sql, type Kysely } from 'kysely'
import type { SqlDialect } from '../db'
import { addColumnIfMissing, createIndexIfMissing } from './schema'

const COLUMNS = ['token_hash', 'coze_user_id', 'variables'] as const
const TOKEN_HASH_INDEX = 'chat_session_token_hash_idx'

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const longText = dialect === 'mysql' ? sql`longtext` : sql`text`
  // One ALTER per column: SQLite adds only one at a time.
  const add = addColumnIfMissing.bind(null, db, dialect, 'chat_session')
  await add('token_hash', 'varchar(64)')
  await add('coze_user_id', 'varchar(128)')
  await add('variables', longText)
  await createIndexIfMissing(db, dialect, TOKEN_HASH_INDEX, 'chat_session', (i) =>
    i.unique().column('token_hash'),
  )
}

export async function down(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const drop = db.schema.dropIndex(TOKEN_HASH_INDEX)
  await (dialect === 'mysql' ? drop.on('chat_session') : drop).execute()
  for (const column of COLUMNS) await db.schema.alterTable('chat_session').dropColumn(column).execute()
}
