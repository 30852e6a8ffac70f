/** The per-user session index (issue 20 item 8) on the in-process kv: bounded, expiring with its sessions. */
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryBus } from '../backends/memory/bus'
import { createMemoryKv } from '../backends/memory/kv'
import { keys } from '../core/kv/keys'
import type { Kv } from '../core/kv/types'
import { openSqliteStore } from '../store/sqlite'
import type { Store } from '../store/types'
import { pseudonymOf } from '../core/phone'
import { openRevocations, type Revocations } from './revocations'
import { createSessions } from './sessions'

const SECRET = 'test-user-id-secret'
const PHONE = '13800138000'
const ctx = { keyId: 'site-a', clientIp: null }
let kv: Kv
let store: Store
let revocations: Revocations
let t = Date.UTC(2026, 11, 6)
const sessions = () =>
  createSessions({
    kv,
    store,
    userIdSecret: SECRET,
    cozeUserIdMode: 'pseudonym',
    defaultTtlSeconds: 600,
    revocations,
    now: () => t,
  })
const index = keys.userSessions(pseudonymOf(SECRET, PHONE))

beforeEach(async () => {
  kv = createMemoryKv({ now: () => t })
  store = await openSqliteStore(':memory:')
  await store.migrate()
  revocations = await openRevocations({ kv, bus: createMemoryBus(), store, log: pino({ level: 'silent' }) })
})
afterEach(async () => {
  await revocations.close()
  await kv.close()
  await store.close()
})

describe('the session index of a user', () => {
  it('should list each live session once, scored by its expiry, and live as long as the latest', async () => {
    const s = sessions()
    await s.create({ phone: PHONE, ttlSeconds: 60 }, ctx)
    await s.create({ phone: PHONE, ttlSeconds: 600 }, ctx)
    expect(await kv.zrangeByScore(index, t + 60_000, t + 60_000)).toHaveLength(1)
    expect(await kv.zrangeByScore(index, -Infinity, Infinity)).toHaveLength(2)
    expect(await kv.pttl(index)).toBe(600_000)
  })

  it('should drop expired sessions on the next write instead of growing', async () => {
    const s = sessions()
    for (let i = 0; i < 5; i++) await s.create({ phone: PHONE, ttlSeconds: 60 }, ctx)
    t += 61_000
    await s.create({ phone: PHONE, ttlSeconds: 60 }, ctx)
    expect(await kv.zrangeByScore(index, -Infinity, Infinity)).toHaveLength(1)
  })

  it('should be gone with its last session, and a revoke by phone should end the live ones', async () => {
    const s = sessions()
    const a = await s.create({ phone: PHONE }, ctx)
    const b = await s.create({ phone: PHONE }, ctx)
    expect(await s.revoke({ token: a.token })).toBe(1)
    expect(await kv.zrangeByScore(index, -Infinity, Infinity)).toHaveLength(1)
    expect(await s.revoke({ phone: PHONE })).toBe(1)
    expect(await s.resolve(b.token)).toBeUndefined()
    expect(await kv.pttl(index)).toBe(-2)
  })
})
