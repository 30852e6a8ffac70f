import { describe, expect, it } from 'vitest'
import { createConnection } from 'mysql2/promise'
import { Redis } from 'ioredis'
import { createTestDatabase, createTestRedisPrefix, testRedisUrl } from './services'

describe('test services', () => {
  it('should give each test file its own MySQL database', async () => {
    const db = await createTestDatabase()
    const conn = await createConnection(db.url)
    const [rows] = await conn.query('SELECT DATABASE() AS name')
    expect((rows as { name: string }[])[0]?.name).toBe(db.name)
    await conn.end()
    await db.drop()
  })

  it('should reach Redis with a run-scoped prefix', async () => {
    const redis = new Redis(testRedisUrl())
    const key = `${createTestRedisPrefix()}:probe`
    await redis.set(key, '1', 'EX', 10)
    expect(await redis.get(key)).toBe('1')
    await redis.del(key)
    redis.disconnect()
  })
})
