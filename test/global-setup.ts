import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { createConnection } from 'mysql2/promise'
import { Redis } from 'ioredis'
import { testMysqlUrl, testRedisUrl } from './env'
import { buildService } from '../scripts/build-service'
import { startRedisCluster } from './redis-cluster'

/**
 * Every `vitest run` gets its own id: databases are named `<runId>_<n>` and Redis keys start with
 * `<runId>:`, so parallel runs on one machine never meet, and teardown removes exactly what it made.
 */
export default async function setup(project: TestProject) {
  const runId = `vct_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  project.provide('testRunId', runId)
  // Service processes run the production bundle, built once per run beside the real one (under
  // packages/server so that its external dependencies resolve).
  const bundleDir = fileURLToPath(new URL(`../packages/server/dist/${runId}/`, import.meta.url))
  // A 3-master Redis Cluster on loopback for the cluster twins of the Redis tests (SPEC §6), started
  // beside the build (≈ 3 s, mostly `redis-cli --cluster create` waiting for the nodes to agree).
  // TEST_REDIS_CLUSTER_NODES names a cluster of your own instead (its keys are left to you).
  const own = process.env.TEST_REDIS_CLUSTER_NODES
  const [built, started] = await Promise.allSettled([
    buildService(`${bundleDir}main.js`),
    own ? Promise.resolve({ nodes: own, stop: async () => undefined }) : startRedisCluster(),
  ])
  if (started.status === 'rejected') throw started.reason
  const cluster = started.value
  if (built.status === 'rejected') {
    await cluster.stop()
    throw built.reason
  }
  project.provide('serviceBundle', built.value)
  project.provide('testRedisClusterNodes', cluster.nodes)
  return async () => {
    await cluster.stop()
    await rm(bundleDir, { recursive: true, force: true })
    const conn = await createConnection(testMysqlUrl())
    try {
      const [rows] = await conn.query('SHOW DATABASES LIKE ?', [`${runId}%`])
      for (const row of rows as Record<string, string>[]) {
        const name = Object.values(row)[0]
        if (name) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``)
      }
    } finally {
      await conn.end()
    }
    const redis = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 })
    try {
      await redis.connect()
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${runId}*`, 'COUNT', 500)
        if (keys.length) await redis.del(...keys)
        cursor = next
      } while (cursor !== '0')
    } finally {
      redis.disconnect()
    }
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    testRunId: string
    /** The Chat Service bundled as `npm run service` runs it (scripts/build-service.ts). */
    serviceBundle: string
    /** The run's Redis Cluster, as REDIS_CLUSTER_NODES takes it (test/redis-cluster.ts). */
    testRedisClusterNodes: string
  }
}
