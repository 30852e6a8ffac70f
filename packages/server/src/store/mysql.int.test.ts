import { createConnection } from 'mysql2/promise'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../../test/services'
import { runAuditDataContract } from './audit-data.contract.test'
import { openMysqlStore } from './mysql'
import { runStoreContract } from './store.contract.test'
import type { Store } from './types'

// Each open() gets its own database: the contract needs fresh ones for its migration cases.
const drops: (() => Promise<void>)[] = []
async function openFresh() {
  const db = await createTestDatabase()
  drops.push(db.drop)
  return db
}
afterAll(async () => {
  for (const drop of drops) await drop()
})

runStoreContract('mysql', async () => {
  const db = await openFresh()
  const store = await openMysqlStore(db.url)
  return { store, cleanup: () => store.close() }
})

runAuditDataContract('mysql', async () => {
  const db = await openFresh()
  const store = await openMysqlStore(db.url)
  return { store, cleanup: () => store.close() }
})

describe('openMysqlStore', () => {
  it('should never talk in clear when TLS is asked for (MYSQL_SSL): a server without TLS is refused', async () => {
    const db = await openFresh()
    const store = await openMysqlStore(db.url, { poolSize: 1, ssl: { rejectUnauthorized: true } })
    try {
      // The test MariaDB has TLS off (have_ssl DISABLED); one with a self-signed certificate fails verification.
      await expect(store.migrate()).rejects.toThrow(/secure connection|SSL|TLS|certificate/i)
    } finally {
      await store.close()
    }
  })

  it('should migrate once when two instances start at once on one database', async () => {
    const db = await openFresh()
    const instances: Store[] = await Promise.all([openMysqlStore(db.url), openMysqlStore(db.url)])
    try {
      await Promise.all(instances.map((s) => s.migrate()))
      const conn = await createConnection(db.url)
      const [rows] = await conn.query('SELECT name FROM kysely_migration')
      await conn.end()
      expect(rows).toEqual([
        { name: '0001_create_chat_tables' },
        { name: '0002_create_audit_event' },
        { name: '0003_answer_parts_and_coze_codes' },
        { name: '0004_session_record' },
        { name: '0005_message_feedback' },
        { name: '0006_message_suggestions' },
        { name: '0007_chat_files' },
        { name: '0008_message_new_topic' },
      ])
    } finally {
      await Promise.all(instances.map((s) => s.close()))
    }
  })

  it('should create utf8mb4 tables even when the database default is latin1', async () => {
    const db = await openFresh()
    const conn = await createConnection(db.url)
    await conn.query(`ALTER DATABASE \`${db.name}\` CHARACTER SET latin1 COLLATE latin1_swedish_ci`)
    const sut = await openMysqlStore(db.url)
    try {
      await sut.migrate()
      const [rows] = await conn.query(
        `SELECT DISTINCT table_collation AS c FROM information_schema.tables
         WHERE table_schema = ? AND table_name LIKE 'chat\\_%'`,
        [db.name],
      )
      expect(rows).toEqual([{ c: 'utf8mb4_bin' }])
      const title = '火山 🌋 𠮷'
      await sut.insertConversation({ id: 'c1', userId: 'u1', title, createdAt: 1, updatedAt: 1 })
      expect((await sut.getConversation('u1', 'c1'))?.title).toBe(title)
    } finally {
      await conn.end()
      await sut.close()
    }
  })
})
