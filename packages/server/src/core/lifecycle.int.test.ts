/**
 * Issue 22 #6 on the real MariaDB: a start-up that fails after MySQL opened (Redis refuses connections)
 * closes the MySQL pool again, so the process can exit instead of hanging on its sockets.
 */
import { createConnection } from 'mysql2/promise'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../../test/services'
import { testMysqlUrl } from '../../../../test/env'
import { freePort } from '../../../../test/ports'
import { waitFor } from '../../../../test/wait-for'
import { BOT_ID, PAT, S2S_KEY, SECRETS } from '../../test/harness'
import { loadConfig } from './config'
import { openServices } from '../app/services'

/** Connections MariaDB has open on `db` right now. */
async function connectionsTo(db: string): Promise<number> {
  const admin = await createConnection(testMysqlUrl())
  try {
    const [rows] = await admin.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?',
      [db],
    )
    return Number((rows as { n: number }[])[0]!.n)
  } finally {
    await admin.end()
  }
}

describe('openServices on a failing start-up', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  beforeAll(async () => (db = await createTestDatabase()))
  afterAll(() => db?.drop())

  it('should close the MySQL pool it opened when Redis refuses connections, and reject with the cause', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`, // closed again: connections are refused at once
      COZE_API_BASE: 'http://127.0.0.1:9', // never reached
      COZE_BOT_ID: BOT_ID,
      COZE_PAT: PAT,
      S2S_KEYS: `${S2S_KEY.id}:${S2S_KEY.secret}`,
      ...SECRETS,
    })
    let mysqlOpened = false
    const opening = openServices(config, {
      log: pino({ level: 'silent' }),
      wrapStore: (store) => ((mysqlOpened = true), store), // after the schema step: the pool is in use
    })

    await expect(opening).rejects.toThrow(/Redis at .* did not become ready/)
    expect(mysqlOpened).toBe(true)
    await waitFor(async () => (await connectionsTo(db.name)) === 0 || undefined, {
      what: "no connection left on the test's database",
    })
  })
})
