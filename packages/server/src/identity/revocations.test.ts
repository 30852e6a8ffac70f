/** Revocation reaches what is open (issue 20 #7), on the in-process kv: the memory backend's bus. */
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryBus } from '../backends/memory/bus'
import { keys } from '../core/kv/keys'
import { createMemoryKv } from '../backends/memory/kv'
import type { Kv } from '../core/kv/types'
import { openSqliteStore } from '../store/sqlite'
import type { Store } from '../store/types'
import { openRevocations, type Revocations } from './revocations'
import { createSessions } from './sessions'
import { hashToken } from '../core/token'

const PHONE = '13800138000'
const ctx = { keyId: 'site-a', clientIp: null }
let kv: Kv
let store: Store
let sut: Revocations
let sessions: ReturnType<typeof createSessions>

beforeEach(async () => {
  kv = createMemoryKv()
  store = await openSqliteStore(':memory:')
  await store.migrate()
  sut = await openRevocations({ kv, bus: createMemoryBus(), store, log: pino({ level: 'silent' }) })
  sessions = createSessions({
    kv,
    store,
    userIdSecret: 'test-user-id-secret',
    cozeUserIdMode: 'pseudonym',
    defaultTtlSeconds: 600,
    revocations: sut,
  })
})
afterEach(async () => {
  await sut.close()
  await kv.close()
  await store.close()
})

/** A session and something held open under it; `closed` counts the calls of its close. */
async function heldSession() {
  const s = await sessions.create({ phone: PHONE }, ctx)
  const held = { token: s.token, tokenHash: hashToken(s.token), userId: s.user.userId, closed: 0 }
  return Object.assign(held, { release: sut.hold(held, () => held.closed++) })
}

/** Lets queued checks (in-process kv and SQLite reads) run. */
const settle = () => new Promise((r) => setImmediate(r))

describe('hold', () => {
  it("should close what a revoked token holds, once, and leave the same user's other session open", async () => {
    const a = await heldSession()
    const b = await heldSession()
    await sessions.revoke({ token: a.token })
    await sessions.revoke({ token: a.token }) // a retried revoke publishes again: nothing left to close
    await settle()
    expect([a.closed, b.closed]).toEqual([1, 0])
  })

  it('should close every session of the user on a revoke by phone, also one Redis lost', async () => {
    const a = await heldSession()
    const b = await heldSession()
    // Redis lost b's entries (a failover): only its row knows it, and the revoke finds it there.
    await kv.del(keys.session(b.tokenHash))
    await kv.zrem(keys.userSessions(b.userId), b.tokenHash)
    await sessions.revoke({ phone: PHONE })
    await settle()
    expect([a.closed, b.closed]).toEqual([1, 1])
  })

  it('should keep a session created after a revoke by phone open when the revoke is heard late', async () => {
    const later = await heldSession()
    await sut.publish({ userId: later.userId, tokenHashes: [], allSessions: true })
    await settle()
    expect(later.closed).toBe(0)
  })

  it('should close a hold that begins just after its session was revoked', async () => {
    const s = await sessions.create({ phone: PHONE }, ctx)
    await sessions.revoke({ token: s.token })
    let closed = 0
    sut.hold({ tokenHash: hashToken(s.token), userId: s.user.userId }, () => closed++)
    await settle()
    expect(closed).toBe(1)
  })

  it('should not call a released hold', async () => {
    const a = await heldSession()
    a.release()
    await sessions.revoke({ token: a.token })
    await settle()
    expect(a.closed).toBe(0)
  })
})
