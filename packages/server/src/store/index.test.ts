import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore, parseSqlitePath } from './index'

describe('openStore', () => {
  it('should open SQLite at the default path when no DATABASE_URL is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vc-open-'))
    const sut = await openStore(undefined, { sqlitePath: join(dir, 'default.db') })
    await sut.ping()
    expect(sut.dialect).toBe('sqlite')
    await sut.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('should pick the adapter from the URL scheme', async () => {
    const mysql = await openStore('mysql://root@127.0.0.1:1/none', { sqlitePath: ':memory:' })
    const sqlite = await openStore('sqlite::memory:', { sqlitePath: 'unused.db' })
    expect([mysql.dialect, sqlite.dialect]).toEqual(['mysql', 'sqlite'])
    await Promise.all([mysql.close(), sqlite.close()])
  })

  it('should reject any other scheme without echoing credentials', async () => {
    const attempt = openStore('postgres://u:secret@h/db', { sqlitePath: ':memory:' })
    await expect(attempt).rejects.toThrow(
      'DATABASE_URL must start with mysql:// or sqlite: (got "postgres:…")',
    )
  })
})

describe('parseSqlitePath', () => {
  it.each([
    ['sqlite:data/x.db', 'data/x.db'],
    ['sqlite:./x.db', './x.db'],
    ['sqlite:///abs/x.db', '/abs/x.db'],
    ['sqlite:/abs/x.db', '/abs/x.db'],
    ['sqlite::memory:', ':memory:'],
  ])('should read %s as %s', (url, path) => {
    expect(parseSqlitePath(url)).toBe(path)
  })

  it('should reject an empty path', () => {
    expect(() => parseSqlitePath('sqlite:')).toThrow('needs a path')
  })
})
