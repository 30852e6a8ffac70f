import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Database } from './db'
import { prepared } from './prepared'

let db: Kysely<Database>
let statements: string[]
beforeEach(async () => {
  statements = []
  db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }),
    log: (e) => void statements.push(e.query.sql),
  })
  await sql`create table chat_conversation (id text primary key, user_id text not null, title text,
    created_at integer not null, updated_at integer not null)`.execute(db)
  statements = []
})
afterEach(() => db.destroy())

const conversation = (id: string, title: string | null = `title ${id}`) => ({
  id,
  user_id: 'u1',
  title,
  created_at: 1,
  updated_at: 2,
})

describe('prepared', () => {
  it('should send each call its own values, nulls included, with the SQL Kysely would build', async () => {
    const insert = prepared(db, (rows: ReturnType<typeof conversation>[]) =>
      db.insertInto('chat_conversation').values(rows),
    )
    await insert([conversation('a')])
    await insert([conversation('b', null)])
    await insert([conversation('c'), conversation('d', 'it\'s "quoted"')])
    const rows = await db.selectFrom('chat_conversation').select(['id', 'title']).orderBy('id').execute()
    expect(rows).toEqual([
      { id: 'a', title: 'title a' },
      { id: 'b', title: null },
      { id: 'c', title: 'title c' },
      { id: 'd', title: 'it\'s "quoted"' },
    ])
    const built = db
      .insertInto('chat_conversation')
      .values([conversation('x'), conversation('y')])
      .compile()
    expect(statements[2]).toBe(built.sql)
  })

  it('should keep the constants the builder writes itself, and count affected rows', async () => {
    await db
      .insertInto('chat_conversation')
      .values([conversation('a'), conversation('b')])
      .execute()
    const touch = prepared(db, (i: { id: string; at: number }) =>
      db
        .updateTable('chat_conversation')
        .set({ updated_at: i.at })
        .where('id', '=', i.id)
        .where('user_id', '=', 'u1'),
    )
    expect((await touch({ id: 'a', at: 7 })).numAffectedRows).toBe(1n)
    expect((await touch({ id: 'zz', at: 8 })).numAffectedRows).toBe(0n)
    const a = await db
      .selectFrom('chat_conversation')
      .select('updated_at')
      .where('id', '=', 'a')
      .executeTakeFirst()
    expect(a?.updated_at).toBe(7)
  })

  it('should compile once per shape and read rows back', async () => {
    await db
      .insertInto('chat_conversation')
      .values([conversation('a'), conversation('b')])
      .execute()
    let builds = 0
    const byIds = prepared(db, (ids: string[]) => {
      builds++
      return db.selectFrom('chat_conversation').select('id').where('id', 'in', ids).orderBy('id')
    })
    expect((await byIds(['a'])).rows).toEqual([{ id: 'a' }])
    expect((await byIds(['b'])).rows).toEqual([{ id: 'b' }])
    expect((await byIds(['a', 'b'])).rows).toEqual([{ id: 'a' }, { id: 'b' }])
    expect(builds).toBe(2)
  })

  it('should refuse a builder that puts a value into the SQL text', async () => {
    const inlined = prepared(db, (i: { title: string }) =>
      db.selectFrom('chat_conversation').select('id').where('title', '=', sql.lit(i.title)),
    )
    await expect(inlined({ title: 'x' })).rejects.toThrow(/inlined/)
  })
})
