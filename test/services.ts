import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { createDatabaseAt } from './fixtures'
import { testMysqlUrl, testRedisUrl } from './env'

export { testRedisUrl }

const suffix = () => randomBytes(4).toString('hex')

/** A fresh, empty MySQL database for one test file; dropped again by `drop()` (and by global teardown). */
export async function createTestDatabase(): Promise<{
  url: string
  name: string
  drop: () => Promise<void>
}> {
  return createDatabaseAt(testMysqlUrl(), `${inject('testRunId')}_${suffix()}`)
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
