/**
 * Issue 19 item 3: audit events are not lost to a MySQL blip. The store reaches the real MariaDB through
 * the fault proxy; an event recorded while MySQL is cut is written once it is back, in the chain.
 */
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../../test/services'
import { startFaultProxyFor, type FaultProxy } from '../../test/fault-proxy'
import { openMysqlStore } from '../store/mysql'
import type { Store } from '../store/types'
import { createAudit } from './audit'
import { chainKeyFrom } from './chain'
import { verifyAuditChain } from './verify'

describe('audit during a MySQL cut', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let proxy: FaultProxy
  let store: Store
  beforeAll(async () => {
    db = await createTestDatabase()
    const proxied = await startFaultProxyFor(db.url)
    proxy = proxied.proxy
    store = await openMysqlStore(proxied.url)
    await store.migrate()
  })
  afterAll(async () => {
    proxy?.set('pass')
    await store?.close()
    await proxy?.close()
    await db?.drop()
  })

  it('should write an event recorded during a cut once MySQL is back, and keep the chain whole', async () => {
    const chainKey = chainKeyFrom('audit-faults-secret')
    const audit = createAudit({ store, chainKey, log: pino({ level: 'silent' }) })
    expect(await audit.record({ action: 'voice.ticket', outcome: 'allowed' })).toBe(true)
    proxy.set('cut')
    const during = audit.record({ action: 'chat.cancel', outcome: 'allowed', reason: 'during the cut' })
    let settled = false
    void during.then(() => (settled = true))
    // Back once the writer has met the fault (it retries with backoff), or has given up.
    await expect.poll(() => proxy.refused > 0 || settled, { timeout: 5_000, interval: 20 }).toBe(true)
    proxy.set('pass')
    expect(await during).toBe(true)
    const rows = await store.listAudit(0, 10)
    expect(rows.map((r) => r.reason)).toEqual([null, 'during the cut'])
    expect(await verifyAuditChain(store, chainKey)).toMatchObject({ ok: true })
  })
})
