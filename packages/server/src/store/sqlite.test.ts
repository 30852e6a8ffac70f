import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAuditDataContract } from './audit-data.contract.test'
import { openSqliteStore } from './sqlite'
import { runStoreContract } from './store.contract.test'

let dir: string
let files = 0
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vc-store-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

runStoreContract('sqlite file', async () => {
  const store = await openSqliteStore(join(dir, `db-${++files}`, 'chat.db'))
  return { store, cleanup: () => store.close() }
})

runStoreContract('sqlite :memory:', async () => {
  const store = await openSqliteStore(':memory:')
  return { store, cleanup: () => store.close() }
})

runAuditDataContract('sqlite :memory:', async () => {
  const store = await openSqliteStore(':memory:')
  return { store, cleanup: () => store.close() }
})

describe('openSqliteStore', () => {
  it('should create missing parent folders and write in WAL mode', async () => {
    const path = join(dir, 'a', 'b', 'c.db')
    const sut = await openSqliteStore(path)
    await sut.migrate()
    expect(existsSync(`${path}-wal`)).toBe(true)
    await sut.close()
  })

  it('should close a store that was never used', async () => {
    const sut = await openSqliteStore(join(dir, 'unused.db'))
    await sut.close()
    await expect(sut.ping()).rejects.toThrow()
  })
})
