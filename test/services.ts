import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { createConnection } from 'mysql2/promise'
import { testMysqlUrl, testRedisUrl } from './env'

export { testRedisUrl }

const suffix = () => randomBytes(4).toString('hex')

/** A fresh, empty MySQL database for one test file; dropped again by `drop()` (and by global teardown). */
export async function createTestDatabase(): Promise<{
  url: string
  name: string
  drop: () => Promise<void>
}> {
  const name = `${inject('testRunId')}_${suffix()}`
  const admin = testMysqlUrl()
  const conn = await createConnection(admin)
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  await conn.end()
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = await createConnection(admin)
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await c.end()
    },
  }
}

/** A Redis key prefix no other test file or run uses. */
export const createTestRedisPrefix = () => `${inject('testRunId')}:${suffix()}`

/** The run's 3-master Redis Cluster (global-setup.ts), as REDIS_CLUSTER_NODES takes it. */
export const testRedisClusterNodes = () => inject('testRedisClusterNodes')

/** The same cluster as `openRedisKv` takes it. */
export const testRedisCluster = () => ({
  mode: 'cluster' as const,
  nodes: testRedisClusterNodes()
    .split(',')
    .map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })),
})
