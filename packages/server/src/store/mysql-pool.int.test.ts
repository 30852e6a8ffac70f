/**
 * The pool's bounds (issue 19) on the real MariaDB behind the TCP fault proxy: a stalled MySQL never
 * answers, so every wait must end by the pool's own timers, as a dependency fault (503), counted.
 */
import { createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../../test/services'
import { startFaultProxyFor, type FaultProxy } from '../../test/fault-proxy'
import { isDependencyFault } from '../core/dependency-fault'
import { openMysqlStore, type MysqlOptions } from './mysql'
import type { MysqlFaultKind, PoolState } from './mysql-pool'
import type { Store } from './types'

async function until(ok: () => boolean) {
  while (!ok()) await new Promise((r) => setTimeout(r, 5))
}

describe('boundPool', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let proxy: FaultProxy
  let url: string
  const opened: Store[] = []
  beforeAll(async () => {
    db = await createTestDatabase()
    ;({ proxy, url } = await startFaultProxyFor(db.url))
    const store = await openMysqlStore(db.url)
    await store.migrate()
    await store.close()
  })
  afterAll(async () => {
    proxy?.set('pass')
    for (const s of opened) await s.close()
    await proxy?.close()
    await db?.drop()
  })

  /** A store through the proxy, with its faults and pool state kept for the test to read. */
  async function open(o: MysqlOptions) {
    const faults: MysqlFaultKind[] = []
    let pool: (() => PoolState) | undefined
    const sut = await openMysqlStore(url, {
      ...o,
      watch: { fault: (k) => faults.push(k), pool: (read) => (pool = read) },
    })
    opened.push(sut)
    return { sut, faults, pool: () => pool!() }
  }

  it('should fail a query MySQL never answers with MYSQL_QUERY_TIMEOUT, then work on a fresh connection', async () => {
    const { sut, faults, pool } = await open({ poolSize: 2, queryTimeoutMs: 300 })
    await sut.getConversation('u1', 'c1') // a connection is open before the stall
    proxy.set('stall')
    try {
      const err: unknown = await sut.getConversation('u1', 'c1').catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'MYSQL_QUERY_TIMEOUT' })
      expect(isDependencyFault(err)).toBe(true)
      expect(faults).toEqual(['query_timeout'])
      expect(pool()).toEqual({ inUse: 0, queued: 0, size: 2 })
    } finally {
      proxy.set('pass')
    }
    // The timed-out connection was dropped: its late reply reaches no one, the next query gets its own.
    await expect(sut.getConversation('u1', 'c1')).resolves.toBeUndefined()
  })

  it('should refuse at once past pool + queue, and end a wait for a connection with MYSQL_ACQUIRE_TIMEOUT', async () => {
    const { sut, faults, pool } = await open({
      poolSize: 1,
      queueLimit: 1,
      acquireTimeoutMs: 300,
      queryTimeoutMs: 20_000,
    })
    await sut.getConversation('u1', 'c1')
    proxy.set('stall')
    try {
      const order: string[] = []
      const attempt = (name: string) =>
        sut.getConversation('u1', name).catch((e: { code?: string }) => void order.push(`${name}:${e.code}`))
      const holding = attempt('holds-the-connection') // stalls until the proxy passes again
      await until(() => pool().inUse === 1) // lent on the next tick
      const waiting = attempt('waits')
      expect(pool()).toMatchObject({ inUse: 1, queued: 1 })
      await attempt('one-too-many')
      await waiting
      expect(order).toEqual(['one-too-many:MYSQL_QUEUE_FULL', 'waits:MYSQL_ACQUIRE_TIMEOUT'])
      expect(faults).toEqual(['queue_full', 'acquire_timeout'])
      expect(pool()).toMatchObject({ inUse: 1, queued: 0 })
      proxy.set('pass')
      await holding
      expect(pool()).toMatchObject({ inUse: 0, queued: 0 })
    } finally {
      proxy.set('pass')
    }
  })

  it('should migrate without the query timeout: the migration lock may be held longer by another instance', async () => {
    const fresh = await createTestDatabase()
    const other = await createConnection(fresh.url)
    // Kysely's MySQL migration lock; another instance migrating holds it.
    await other.query(`SELECT GET_LOCK('ea586330-2c93-47c8-908d-981d9d270f9d', 10)`)
    const sut = await openMysqlStore(fresh.url, { queryTimeoutMs: 200 })
    try {
      const migrating = sut.migrate()
      // Hold the lock until the migration has waited for it well past the query timeout.
      for (;;) {
        const [rows] = await other.query(
          `SELECT time_ms FROM information_schema.processlist WHERE info LIKE 'select get_lock%' AND db = ?`,
          [fresh.name],
        )
        if ((rows as { time_ms: number }[]).some((r) => r.time_ms > 600)) break
        await new Promise((r) => setTimeout(r, 50))
      }
      await other.query(`SELECT RELEASE_LOCK('ea586330-2c93-47c8-908d-981d9d270f9d')`)
      await expect(migrating).resolves.toMatchObject({ pending: [] })
    } finally {
      await other.end()
      await sut.close()
      await fresh.drop()
    }
  })
})
