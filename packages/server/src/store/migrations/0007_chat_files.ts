/**
 * Issue 21 (SPEC §2.4 `POST /api/chat/files`): `chat_file`, one row per upload — Coze's file id, its owner,
 * name, sniffed type, size — and for images the bytes themselves (`content`), since Coze has no download
 * API and history must show them again; documents keep no content. `chat_message.attachments`: the files a
 * question carried (JSON array of `{fileId,name,kind,mime,bytes}`, NULL when none). A new table and a
 * nullable column only (expand rule, `index.ts`); never change what it adds once shipped. Each step checks
 * first (`schema.ts`): a run killed half way re-runs cleanly.
 */
import { sql, type Kysely } from 'kysely'
import type { SqlDialect } from '../db'
import { addColumnIfMissing, createIndexIfMissing } from './schema'

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const mysql = dialect === 'mysql'
  await db.schema
    .createTable('chat_file')
    .ifNotExists()
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('coze_file_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('mime', 'varchar(128)', (c) => c.notNull())
    .addColumn('kind', 'varchar(8)', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    // Up to FILES_MAX_BYTES: longblob on MySQL (blob stops at 64 KB); TiDB needs txn-entry-size-limit above it.
    .addColumn('content', mysql ? sql`longblob` : sql`blob`)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .$call((t) => (mysql ? t.modifyEnd(sql`DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`) : t))
    .execute()
  const index = createIndexIfMissing.bind(null, db, dialect)
  await index('chat_file_user_created_idx', 'chat_file', (i) => i.columns(['user_id', 'created_at']))
  await index('chat_file_created_idx', 'chat_file', (i) => i.column('created_at'))
  await addColumnIfMissing(db, dialect, 'chat_message', 'attachments', 'text')
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('chat_message').dropColumn('attachments').execute()
  await db.schema.dropTable('chat_file').execute()
}
