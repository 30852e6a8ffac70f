/**
 * `audit_event` (SPEC §4, issue 6): append-only, hash-chained. `seq` is unique: two instances appending
 * at once collide on it and the loser re-reads the head and retries, so the chain never forks. Also the
 * indexes the retention job needs to find old chat rows without a full scan. Never change what it
 * creates once shipped. Every step is idempotent (`schema.ts`): a run killed half way re-runs cleanly.
 */
import { sql, type Kysely } from 'kysely'
import type { SqlDialect } from '../db'
import { createIndexIfMissing } from './schema'

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const mysql = dialect === 'mysql'
  await db.schema
    .createTable('audit_event')
    .ifNotExists()
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    .addColumn('outcome', 'varchar(8)', (c) => c.notNull())
    .addColumn('reason', 'varchar(64)')
    .addColumn('user_id', 'varchar(128)')
    .addColumn('phone_masked', 'varchar(32)')
    .addColumn('client_ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('key_id', 'varchar(64)')
    .addColumn('request_id', 'varchar(64)')
    .addColumn('detail', 'text')
    .addColumn('prev_hash', 'char(64)', (c) => c.notNull())
    .addColumn('hash', 'char(64)', (c) => c.notNull())
    .$call((t) => (mysql ? t.modifyEnd(sql`DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`) : t))
    .execute()
  const index = createIndexIfMissing.bind(null, db, dialect)
  await index('audit_event_seq_uq', 'audit_event', (i) => i.column('seq').unique())
  await index('audit_event_user_idx', 'audit_event', (i) => i.columns(['user_id', 'seq']))

  await index('chat_message_asked_idx', 'chat_message', (i) => i.column('asked_at'))
  await index('chat_conversation_updated_idx', 'chat_conversation', (i) => i.column('updated_at'))
  await index('chat_session_expires_idx', 'chat_session', (i) => i.column('expires_at'))
}

export async function down(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const indexes = [
    ['chat_session_expires_idx', 'chat_session'],
    ['chat_conversation_updated_idx', 'chat_conversation'],
    ['chat_message_asked_idx', 'chat_message'],
  ] as const
  for (const [index, table] of indexes) {
    const drop = db.schema.dropIndex(index)
    await (dialect === 'mysql' ? drop.on(table) : drop).execute() // SQLite's DROP INDEX takes no table
  }
  await db.schema.dropTable('audit_event').execute()
}
