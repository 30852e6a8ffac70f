import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../store/sqlite'
import type { Store } from '../store/types'
import { createAudit, type AuditEvent } from './audit'
import { chainKeyFrom, GENESIS } from './chain'
import { verifyAuditChain } from './verify'

const key = chainKeyFrom('test-secret')
const log = pino({ level: 'silent' })
const event = (over: Partial<AuditEvent> = {}): AuditEvent => ({
  action: 'session.create',
  outcome: 'allowed',
  user: { userId: 'usr_1', phoneMasked: '138****8000' },
  clientIp: '203.0.113.7',
  userAgent: 'curl/8',
  keyId: 'site-a',
  requestId: 'req-1',
  detail: { sessionId: 's1' },
  ...over,
})

let store: Store
beforeEach(async () => {
  store = await openSqliteStore(':memory:')
  await store.migrate()
})
afterEach(() => store.close())

describe('createAudit', () => {
  it('should chain every row to the one before, from the genesis hash', async () => {
    const sut = createAudit({ store, chainKey: key, log })
    expect(await sut.record(event())).toBe(true)
    expect(
      await sut.record(event({ action: 's2s.denied', outcome: 'denied', reason: 'NONCE_REPLAYED' })),
    ).toBe(true)
    const rows = await store.listAudit(0, 10)
    expect(rows.map((r) => [r.seq, r.action, r.outcome, r.reason])).toEqual([
      [1, 'session.create', 'allowed', null],
      [2, 's2s.denied', 'denied', 'NONCE_REPLAYED'],
    ])
    expect(rows[0]!.prevHash).toBe(GENESIS)
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash)
    expect(rows[0]).toMatchObject({ userId: 'usr_1', phoneMasked: '138****8000', keyId: 'site-a' })
    expect(JSON.parse(rows[0]!.detail!)).toEqual({ sessionId: 's1' })
  })

  it('should keep one chain when several instances append at once', async () => {
    const instances = [1, 2, 3].map(() => createAudit({ store, chainKey: key, log }))
    const writes = instances.flatMap((a, i) =>
      Array.from({ length: 20 }, (_, j) => a.record(event({ requestId: `r-${i}-${j}` }))),
    )
    expect((await Promise.all(writes)).every(Boolean)).toBe(true)
    expect(await verifyAuditChain(store, key)).toMatchObject({ ok: true, rows: 60 })
  })

  it('should cut values to their columns and keep the hash valid for odd text', async () => {
    const sut = createAudit({ store, chainKey: key, log })
    await sut.record(event({ userAgent: `${'x'.repeat(511)}🌋 and more`, reason: '\ud800 lone' }))
    const [row] = await store.listAudit(0, 1)
    expect(row!.userAgent).toHaveLength(512)
    expect(row!.reason).toBe('\ufffd lone')
    expect(await verifyAuditChain(store, key)).toMatchObject({ ok: true })
  })

  it('should log, count and resolve false when the store fails, never throw', async () => {
    const broken = { ...store, lastAudit: () => Promise.reject(new Error('db down')) }
    const written: boolean[] = []
    const sut = createAudit({ store: broken, chainKey: key, log, onWritten: (_e, ok) => written.push(ok) })
    expect(await sut.record(event())).toBe(false)
    expect(written).toEqual([false])
  })
})
