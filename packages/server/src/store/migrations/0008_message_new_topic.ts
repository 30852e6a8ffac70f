/**
 * Issue 21 (SPEC §2.4 `POST /api/chat/clear`): where a new topic began. A clear marks the conversation's
 * newest message with when it happened (`new_topic_at`, epoch ms; NULL for every other message), so history
 * (`items[].newTopicAt`) shows the boundary after a reload; retention and erasure take it with the message.
 * A nullable column only (expand rule, `index.ts`); never change what it adds once shipped. The column is
 * added only if missing (`schema.ts`): a run killed half way re-runs cleanly.
 */
import type { Kysely } from 'kysely'
import type { SqlDialect } from '../db'
import { addColumnIfMissing } from './schema'

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  await addColumnIfMissing(db, dialect, 'chat_message', 'new_topic_at', 'bigint')
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('chat_message').dropColumn('new_topic_at').execute()
}
