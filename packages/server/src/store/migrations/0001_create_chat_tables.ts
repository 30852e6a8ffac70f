/**
 * The archive tables of SPEC §4. Portable to MySQL 8, MariaDB 10.6+, TiDB and SQLite: no auto-increment
 * (ids come from the service, so TiDB spreads inserts), no RETURNING, no foreign keys, no defaults on
 * text columns (TiDB rejects them). Never change what it creates once shipped: add a new migration
 * instead. Every step is idempotent (`schema.ts`): a run killed half way re-runs cleanly.
 */
import { sql, type CreateTableBuilder, type Kysely } from 'kysely'
import type { SqlDialect } from '../db'
import { createIndexIfMissing } from './schema'

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const mysql = dialect === 'mysql'
  // utf8mb4 whatever the server's default; `_bin` so ids compare byte-exact, as they do on SQLite.
  const tableOptions = <TB extends string, C extends string>(table: CreateTableBuilder<TB, C>) =>
    mysql ? table.modifyEnd(sql`DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`) : table
  const longText = mysql ? sql`longtext` : sql`text`

  await db.schema
    .createTable('chat_session')
    .ifNotExists()
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('phone_masked', 'varchar(32)', (c) => c.notNull())
    .addColumn('external_user_id', 'varchar(255)')
    .addColumn('display_name', 'varchar(255)')
    .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_ip', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .$call(tableOptions)
    .execute()
  await createIndexIfMissing(db, dialect, 'chat_session_user_idx', 'chat_session', (i) => i.column('user_id'))

  await db.schema
    .createTable('chat_conversation')
    .ifNotExists()
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('title', 'varchar(255)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .$call(tableOptions)
    .execute()
  await createIndexIfMissing(db, dialect, 'chat_conversation_user_updated_idx', 'chat_conversation', (i) =>
    i.columns(['user_id', 'updated_at']),
  )

  await db.schema
    .createTable('chat_message')
    .ifNotExists()
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('conversation_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_message_id', 'varchar(128)')
    .addColumn('coze_chat_id', 'varchar(64)')
    .addColumn('question', 'text', (c) => c.notNull())
    .addColumn('answer', longText, (c) => c.notNull())
    .addColumn('reasoning', longText)
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_message', 'text')
    .addColumn('input_tokens', 'integer')
    .addColumn('output_tokens', 'integer')
    .addColumn('client_ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('asked_at', 'bigint', (c) => c.notNull())
    .addColumn('first_token_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .$call(tableOptions)
    .execute()
  await createIndexIfMissing(db, dialect, 'chat_message_user_conversation_asked_idx', 'chat_message', (i) =>
    i.columns(['user_id', 'conversation_id', 'asked_at']),
  )
  // NULLs never collide in a unique index on any of our dialects, so messages without an id are fine.
  await createIndexIfMissing(db, dialect, 'chat_message_user_client_message_uq', 'chat_message', (i) =>
    i.columns(['user_id', 'client_message_id']).unique(),
  )
  await createIndexIfMissing(db, dialect, 'chat_message_status_asked_idx', 'chat_message', (i) =>
    i.columns(['status', 'asked_at']),
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['chat_message', 'chat_conversation', 'chat_session']) {
    await db.schema.dropTable(table).execute()
  }
}
