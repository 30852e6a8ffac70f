import { describe, expect, it } from 'vitest'
import { openSqliteStore } from './sqlite'
import { retryWrites, type RetriedWrite } from './retry'
import { retryOnFault } from '../core/retry'

const fault = () => Object.assign(new Error('connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' })

describe('retryOnFault', () => {
  it('should try again after a dependency fault and return the first success', async () => {
    let calls = 0
    const retried: unknown[] = []
    const result = await retryOnFault(
      async () => {
        if (++calls < 3) throw fault()
        return 'written'
      },
      { backoffMs: 1, onRetry: (err) => retried.push(err) },
    )
    expect(result).toBe('written')
    expect(calls).toBe(3)
    expect(retried).toHaveLength(2)
  })

  it('should throw at once an error that is not a dependency fault (a bug, a duplicate key)', async () => {
    let calls = 0
    const dup = Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' })
    await expect(
      retryOnFault(
        async () => {
          calls++
          throw dup
        },
        { backoffMs: 1 },
      ),
    ).rejects.toBe(dup)
    expect(calls).toBe(1)
  })

  it('should throw the last fault once the retries are spent', async () => {
    let calls = 0
    await expect(
      retryOnFault(
        async () => {
          calls++
          throw fault()
        },
        { retries: 2, backoffMs: 1 },
      ),
    ).rejects.toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' })
    expect(calls).toBe(3)
  })
})

describe('retryWrites', () => {
  it('should retry the touch, keep every other method, and report a touch lost for good', async () => {
    const store = await openSqliteStore(':memory:')
    await store.migrate()
    try {
      await store.insertConversation({ id: 'c1', userId: 'u1', title: null, createdAt: 1, updatedAt: 1 })
      let failures = 2
      const flaky = Object.assign(Object.create(store) as typeof store, {
        touchConversation: async (userId: string, id: string, at: number) => {
          if (failures-- > 0) throw fault()
          return store.touchConversation(userId, id, at)
        },
      })
      let retries = 0
      let lost = 0
      const sut = retryWrites(flaky, { backoffMs: 1, onRetry: () => retries++, onLost: () => lost++ })
      await sut.touchConversation('u1', 'c1', 50)
      expect((await sut.getConversation('u1', 'c1'))?.updatedAt).toBe(50)
      expect({ retries, lost }).toEqual({ retries: 2, lost: 0 })

      failures = Infinity
      const giveUp = retryWrites(flaky, { retries: 1, backoffMs: 1, onLost: () => lost++ })
      await expect(giveUp.touchConversation('u1', 'c1', 60)).rejects.toMatchObject({
        code: 'PROTOCOL_CONNECTION_LOST',
      })
      expect(lost).toBe(1)
    } finally {
      await store.close()
    }
  })

  it('should retry a T3 through a MySQL blip and name it', async () => {
    const store = await openSqliteStore(':memory:')
    await store.migrate()
    try {
      let failures = 1
      const flaky = Object.assign(Object.create(store) as typeof store, {
        finishMessage: async (...args: Parameters<typeof store.finishMessage>) => {
          if (failures-- > 0) throw fault()
          return store.finishMessage(...args)
        },
      })
      const retried: RetriedWrite[] = []
      const sut = retryWrites(flaky, { backoffMs: 1, onRetry: (w) => retried.push(w) })
      await sut.finishMessage('missing', { status: 'completed' } as Parameters<typeof store.finishMessage>[1])
      expect(retried).toEqual(['t3'])
    } finally {
      await store.close()
    }
  })
})
