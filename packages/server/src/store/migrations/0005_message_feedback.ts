/**
 * Issue 21 (SPEC §2.4 `POST /api/chat/feedback`): the user's rating of an answer is kept with it —
 * `feedback` (`like`/`unlike`, NULL when unrated) and `feedback_comment` — and `coze_message_id`, Coze's
 * own id of the answer message, which Coze's feedback API needs (the chat id is not enough). The service
 * fills `coze_message_id` the first time an answer is rated (from `/v3/chat/message/list`). Nullable
 * columns only (expand rule, `index.ts`); never change what it adds once shipped. Each step checks first
 * (`schema.ts`): a run killed half way re-runs cleanly.
 */
import type { Kysely } from 'kysely'
import type { SqlDialect } from '../db'
import { addColumnIfMissing } from './schema'

const COLUMNS = ['feedback', 'feedback_comment', 'coze_message_id'] as const

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  // One ALTER per column: SQLite adds only one at a time.
  const add = addColumnIfMissing.bind(null, db, dialect, 'chat_message')
  await add('feedback', 'varchar(16)')
  await add('feedback_comment', 'text')
  await add('coze_message_id', 'varchar(64)')
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('chat_message').dropColumn(column).execute()
}
