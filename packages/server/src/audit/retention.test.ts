import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createKvLocks } from '../core/kv/locks'
import { createMemoryKv } from '../backends/memory/kv'
import { conversation, question, session } from '../store/rows.factory'
import { openSqliteStore } from '../store/sqlite'
import type { Store } from '../store/types'
import { createAudit } from './audit'
import { chainKeyFrom } from './chain'
import { createRetentionJob, runRetention } from './retention'

const DAY = 86_400_000
const NOW = 1_800_000_000_000
let store: Store
beforeEach(async () => {
  store = await openSqliteStore(':memory:')
  await store.migrate()
})
afterEach(() => store.close())

describe('runRetention', () => {
  it('should delete chat rows older than the configured days and audit the pass', async () => {
    const audit = createAudit({ store, chainKey: chainKeyFrom('s'), log: pino({ level: 'silent' }) })
    const old = question({ askedAt: NOW - 31 * DAY })
    const recent = question({ askedAt: NOW - 29 * DAY })
    for (const q of [old, recent]) await store.insertQuestion(q)
    await store.insertConversation(conversation({ updatedAt: NOW - 40 * DAY }))
    await store.insertSession(session({ expiresAt: NOW - 40 * DAY }))

    const deleted = await runRetention({ store, audit, days: 30, now: () => NOW })
    expect(deleted).toEqual({ sessions: 1, conversations: 1, messages: 1, files: 0 })
    expect(await store.getMessage(recent.userId, recent.id)).toBeDefined()
    const [row] = await store.listAudit(0, 10)
    expect(row).toMatchObject({ action: 'data.retention', outcome: 'allowed', userId: null })
    expect(JSON.parse(row!.detail!)).toMatchObject({ days: 30, cutoff: NOW - 30 * DAY, messages: 1 })
  })
})

describe('createRetentionJob', () => {
  it('should schedule nothing when retention is off', () => {
    const audit = createAudit({ store, chainKey: chainKeyFrom('s'), log: pino({ level: 'silent' }) })
    const job = createRetentionJob({
      store,
      audit,
      days: 0,
      locks: createKvLocks(createMemoryKv()),
      log: pino({ level: 'silent' }),
    })
    job.start()
    expect(() => job.stop()).not.toThrow()
  })
})
