/**
 * Migrations that survive a kill half way and an older release on a newer schema (issue 19 item 6), on
 * the real MariaDB and on SQLite files.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import {
  Kysely,
  Migrator,
  MysqlDialect,
  SqliteDialect,
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type RootOperationNode,
} from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../../../test/services'
import type { SqlDialect } from '../db'
import { openStore } from '../index'
import { createMigrationProvider, listMigrations, prepareSchema, SchemaBehindError } from './index'
import { hasColumn, hasTable } from './schema'

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

/** An empty database of `dialect`: its `DATABASE_URL` and a raw Kysely on it for steps "by hand". */
async function freshDatabase(dialect: SqlDialect) {
  const register = (c: () => Promise<void>) => cleanups.push(c)
  let url: string
  let raw: Kysely<unknown>
  if (dialect === 'mysql') {
    const db = await createTestDatabase()
    register(db.drop)
    url = db.url
    raw = new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: url }) }) })
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'vc-migrate-'))
    register(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'chat.db')
    url = `sqlite:${path}`
    raw = new Kysely({ dialect: new SqliteDialect({ database: new SqliteDatabase(path) }) })
  }
  register(() => raw.destroy())
  const open = async () => {
    const store = await openStore(url, { sqlitePath: 'unused' })
    register(() => store.close())
    return store
  }
  return { url, raw, open }
}

/** A plugin that lets `n` DDL statements through and then fails like a process killed mid-migration. */
function killAfterDdl(n: number): KyselyPlugin {
  let left = n
  const ddl = new Set(['CreateTableNode', 'CreateIndexNode', 'AlterTableNode'])
  return {
    transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
      if (ddl.has(node.kind) && left-- <= 0) throw new Error('killed')
      return node
    },
    transformResult: async ({ result }) => result,
  }
}

/** Runs migration `name` by hand until the kill after `n` DDL statements. */
async function interrupted(raw: Kysely<unknown>, dialect: SqlDialect, name: string, n: number) {
  const up = listMigrations(dialect)[name]!.up
  await expect(up(raw.withPlugin(killAfterDdl(n)))).rejects.toThrow('killed')
}

const migrationNames = (raw: Kysely<unknown>) =>
  sql<{ name: string }>`select name from kysely_migration order by name`
    .execute(raw)
    .then((r) => r.rows.map((row) => row.name))

const ALL = [
  '0001_create_chat_tables',
  '0002_create_audit_event',
  '0003_answer_parts_and_coze_codes',
  '0004_session_record',
  '0005_message_feedback',
  '0006_message_suggestions',
  '0007_chat_files',
  '0008_message_new_topic',
]
const T = 1_760_000_000_000

describe.each(['mysql', 'sqlite'] as const)('migrations on %s', (dialect) => {
  it('should re-run 0001 cleanly after a kill once chat_session was created', async () => {
    const { raw, open } = await freshDatabase(dialect)
    await interrupted(raw, dialect, '0001_create_chat_tables', 1)
    expect(await hasTable(raw, dialect, 'chat_session')).toBe(true)
    expect(await hasTable(raw, dialect, 'chat_conversation')).toBe(false)

    const store = await open()
    expect(await store.migrate()).toEqual({ ran: ALL, pending: [], newer: [] })
    expect(await migrationNames(raw)).toEqual(ALL)
    await store.insertConversation({ id: 'c1', userId: 'u1', title: 't', createdAt: T, updatedAt: T })
    expect((await store.getConversation('u1', 'c1'))?.title).toBe('t')
  })

  it.each([3, 5, 7])('should re-run 0001 cleanly after a kill after %i statements', async (n) => {
    const { raw, open } = await freshDatabase(dialect)
    await interrupted(raw, dialect, '0001_create_chat_tables', n)
    expect((await (await open()).migrate()).ran).toEqual(ALL)
  })

  it('should re-run 0002 and 0003 cleanly after a kill half way', async () => {
    const { raw, open } = await freshDatabase(dialect)
    const migrator = new Migrator({ db: raw, provider: createMigrationProvider(dialect) })
    expect((await migrator.migrateTo('0001_create_chat_tables')).error).toBeUndefined()
    await interrupted(raw, dialect, '0002_create_audit_event', 4) // table, 2 of its indexes, 1 chat index
    await sql`insert into kysely_migration (name, timestamp) values (${'0002_create_audit_event'}, ${new Date().toISOString()})`.execute(
      raw,
    )
    await interrupted(raw, dialect, '0003_answer_parts_and_coze_codes', 2) // 2 of the 4 columns
    expect(await hasColumn(raw, dialect, 'chat_message', 'coze_logid')).toBe(true)
    expect(await hasColumn(raw, dialect, 'chat_message', 'parts')).toBe(false)

    const store = await open()
    expect((await store.migrate()).ran).toEqual(ALL.slice(2))
    for (const column of ['coze_code', 'coze_logid', 'parts', 'parent_message_id'])
      expect(await hasColumn(raw, dialect, 'chat_message', column)).toBe(true)
  })

  it('should re-run 0004 cleanly after a kill half way', async () => {
    const { raw, open } = await freshDatabase(dialect)
    const migrator = new Migrator({ db: raw, provider: createMigrationProvider(dialect) })
    expect((await migrator.migrateTo('0003_answer_parts_and_coze_codes')).error).toBeUndefined()
    await interrupted(raw, dialect, '0004_session_record', 2) // 2 of the 3 columns, no index
    expect(await hasColumn(raw, dialect, 'chat_session', 'coze_user_id')).toBe(true)
    expect(await hasColumn(raw, dialect, 'chat_session', 'variables')).toBe(false)

    const store = await open()
    expect((await store.migrate()).ran).toEqual(ALL.slice(3))
    for (const column of ['token_hash', 'coze_user_id', 'variables'])
      expect(await hasColumn(raw, dialect, 'chat_session', column)).toBe(true)
    // The unique index is there: a second row with the same token hash is refused, NULLs are not.
    const row = { keyId: 'k', clientIp: null, createdAt: T, expiresAt: T + 1, revokedAt: null }
    const s = { userId: 'u1', phoneMasked: '138****8000', externalUserId: null, displayName: null, ...row }
    await store.insertSession({ ...s, id: 's1', tokenHash: 'h', cozeUserId: 'u1', variables: null })
    await expect(
      store.insertSession({ ...s, id: 's2', tokenHash: 'h', cozeUserId: 'u1', variables: null }),
    ).rejects.toThrow()
    for (const id of ['s3', 's4'])
      await store.insertSession({ ...s, id, tokenHash: null, cozeUserId: null, variables: null })
  })

  it('should re-run 0005 cleanly after a kill half way', async () => {
    const { raw, open } = await freshDatabase(dialect)
    const migrator = new Migrator({ db: raw, provider: createMigrationProvider(dialect) })
    expect((await migrator.migrateTo('0004_session_record')).error).toBeUndefined()
    await interrupted(raw, dialect, '0005_message_feedback', 1) // 1 of the 3 columns
    expect(await hasColumn(raw, dialect, 'chat_message', 'feedback')).toBe(true)
    expect(await hasColumn(raw, dialect, 'chat_message', 'feedback_comment')).toBe(false)

    const store = await open()
    expect((await store.migrate()).ran).toEqual(ALL.slice(4))
    for (const column of ['feedback', 'feedback_comment', 'coze_message_id'])
      expect(await hasColumn(raw, dialect, 'chat_message', column)).toBe(true)
  })

  it('should add 0006 only where the column is missing', async () => {
    const { raw, open } = await freshDatabase(dialect)
    const migrator = new Migrator({ db: raw, provider: createMigrationProvider(dialect) })
    expect((await migrator.migrateTo('0005_message_feedback')).error).toBeUndefined()
    expect(await hasColumn(raw, dialect, 'chat_message', 'suggestions')).toBe(false)
    // Killed after its ALTER but before Kysely recorded it: the re-run finds the column and goes on.
    await listMigrations(dialect)['0006_message_suggestions']!.up(raw)
    expect(await hasColumn(raw, dialect, 'chat_message', 'suggestions')).toBe(true)

    expect((await (await open()).migrate()).ran).toEqual(ALL.slice(5))
  })

  it('should re-run 0007 cleanly after a kill once chat_file was created', async () => {
    const { raw, open } = await freshDatabase(dialect)
    const migrator = new Migrator({ db: raw, provider: createMigrationProvider(dialect) })
    expect((await migrator.migrateTo('0006_message_suggestions')).error).toBeUndefined()
    await interrupted(raw, dialect, '0007_chat_files', 1)
    expect(await hasTable(raw, dialect, 'chat_file')).toBe(true)
    expect(await hasColumn(raw, dialect, 'chat_message', 'attachments')).toBe(false)

    expect((await (await open()).migrate()).ran).toEqual(ALL.slice(6))
    expect(await hasColumn(raw, dialect, 'chat_message', 'attachments')).toBe(true)
  })

  it('should add 0008 only where the column is missing', async () => {
    const { raw, open } = await freshDatabase(dialect)
    const migrator = new Migrator({ db: raw, provider: createMigrationProvider(dialect) })
    expect((await migrator.migrateTo('0007_chat_files')).error).toBeUndefined()
    // Killed after its ALTER but before Kysely recorded it: the re-run finds the column and goes on.
    await listMigrations(dialect)['0008_message_new_topic']!.up(raw)
    expect(await hasColumn(raw, dialect, 'chat_message', 'new_topic_at')).toBe(true)
    expect((await (await open()).migrate()).ran).toEqual(ALL.slice(7))
  })

  it('should run every migration again over what exists without an error', async () => {
    // Every step of every migration skips what exists: running them all twice over changes nothing.
    const { raw, open } = await freshDatabase(dialect)
    await (await open()).migrate()
    for (const m of Object.values(listMigrations(dialect))) await m.up(raw)
    expect(await migrationNames(raw)).toEqual(ALL)
  })

  it('should let an older release run on a schema a newer release migrated (expand/contract)', async () => {
    const { raw, open } = await freshDatabase(dialect)
    await (await open()).migrate()
    // A newer release: one more migration, additive (a nullable column).
    await sql`alter table chat_message add column newer_flag varchar(16)`.execute(raw)
    await sql`insert into kysely_migration (name, timestamp) values (${'9999_newer_release'}, ${new Date().toISOString()})`.execute(
      raw,
    )
    // Kysely's Migrator alone refuses such a database: the bug this guards against.
    const { error } = await new Migrator({
      db: raw,
      provider: createMigrationProvider(dialect),
    }).migrateToLatest()
    expect(String(error)).toMatch(/corrupted migrations/)

    const older = await open()
    expect(await older.migrate()).toEqual({ ran: [], pending: [], newer: ['9999_newer_release'] })
    expect(await older.schemaState()).toEqual({ pending: [], newer: ['9999_newer_release'] })
    const info: unknown[] = []
    await prepareSchema(older, { migrate: true, log: { info: (obj) => info.push(obj) } })
    expect(info).toEqual([{ newer: ['9999_newer_release'] }])

    // The older release's whole write path on the wider table.
    await older.insertSession({
      ...{ id: 's1', userId: 'u1', phoneMasked: '138****8000', externalUserId: null, displayName: null },
      ...{ keyId: 'k', clientIp: null, createdAt: T, expiresAt: T + 1, revokedAt: null },
      ...{ tokenHash: null, cozeUserId: null, variables: null }, // columns an older release never writes
    })
    await older.insertConversation({ id: 'c1', userId: 'u1', title: null, createdAt: T, updatedAt: T })
    await older.insertQuestion({
      ...{ id: 'm1', userId: 'u1', conversationId: 'c1', sessionId: 's1', clientMessageId: 'x' },
      ...{ question: 'q', clientIp: null, userAgent: null, askedAt: T },
    })
    expect(
      await older.finishMessage('m1', {
        ...{ status: 'completed', answer: 'a', reasoning: null, errorCode: null, errorMessage: null },
        ...{ inputTokens: 1, outputTokens: 2, firstTokenAt: T, finishedAt: T + 5 },
      }),
    ).toBe(true)
    expect(await older.getMessage('u1', 'm1')).toMatchObject({ status: 'completed', answer: 'a' })
    expect(await older.listMessages('u1', 'c1', { limit: 10 })).toHaveLength(1)
  })

  it('should refuse a history that matches no release (newer migrations but this one missing)', async () => {
    const { raw, open } = await freshDatabase(dialect)
    const migrator = new Migrator({ db: raw, provider: createMigrationProvider(dialect) })
    await migrator.migrateTo('0002_create_audit_event')
    await sql`insert into kysely_migration (name, timestamp) values (${'9999_newer_release'}, ${new Date().toISOString()})`.execute(
      raw,
    )
    await expect((await open()).migrate()).rejects.toThrow(
      /has 9999_newer_release of a newer release but lacks 0003_answer_parts_and_coze_codes, 0004_session_record/,
    )
  })

  it('should only check the schema when start-up may not migrate', async () => {
    const { open } = await freshDatabase(dialect)
    const store = await open()
    const log = { info: () => {} }
    const refused = prepareSchema(store, { migrate: false, log })
    await expect(refused).rejects.toBeInstanceOf(SchemaBehindError)
    await expect(refused).rejects.toThrow(
      'database schema is behind this release (missing 0001_create_chat_tables, 0002_create_audit_event, ' +
        '0003_answer_parts_and_coze_codes, 0004_session_record, 0005_message_feedback, 0006_message_suggestions, 0007_chat_files, 0008_message_new_topic) and MIGRATE_ON_START=false: run `npm run migrate` with this release first',
    )
    expect(await store.schemaState()).toEqual({ pending: ALL, newer: [] }) // nothing created
    await store.migrate()
    await expect(prepareSchema(store, { migrate: false, log })).resolves.toBeUndefined()
  })
})
