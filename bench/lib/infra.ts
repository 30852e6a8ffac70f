/**
 * A MySQL database and a Redis key prefix of this run only (like test/services.ts), created here and
 * dropped again at the end, plus the RSA key pair and secrets the service and the sim share.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { createConnection } from 'mysql2/promise'

export const mysqlAdminUrl = () =>
  process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql'
export const redisUrl = () =>
  process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** The same fixtures as packages/server/test/harness.ts, so a reader recognises them. */
export const BOT_ID = '7379462189365198898'
export const S2S_KEY = { id: 'site-a', secret: 'site-a-secret-0123456789abcdef' }
export const OAUTH_APP = { appId: '1170000000001', keyId: 'kid-test-1' }
export const PAT = 'pat_volcano_test_0123456789'

/** Only loopback: the bench never sends load anywhere else. */
function assertLoopback(url: string) {
  const host = new URL(url).hostname
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`the bench only talks to 127.0.0.1, not ${host}`)
  }
}

export const runSuffix = () => randomBytes(4).toString('hex')

export async function createDatabase(suffix: string) {
  const admin = mysqlAdminUrl()
  assertLoopback(admin)
  const name = `vcbench_${suffix}`
  const conn = await createConnection(admin)
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const [rows] = await conn.query('SELECT VERSION() AS v')
  await conn.end()
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    version: String((rows as { v: string }[])[0]?.v ?? '?'),
    async drop() {
      const c = await createConnection(admin)
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await c.end()
    },
  }
}

export async function redisPrefix(suffix: string) {
  const url = redisUrl()
  assertLoopback(url)
  const prefix = `vcbench:${suffix}`
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 })
  await r.connect()
  const info = await r.info('server')
  await r.quit()
  return {
    url,
    prefix,
    version: /redis_version:(\S+)/.exec(info)?.[1] ?? '?',
    /** Deletes every key under the prefix (bounded: at most 10,000 SCAN pages). */
    async clear() {
      const c = new Redis(url, { maxRetriesPerRequest: 2 })
      let cursor = '0'
      let deleted = 0
      for (let pages = 0; pages < 10_000; pages++) {
        const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
        if (keys.length) deleted += await c.unlink(...keys)
        cursor = next
        if (cursor === '0') break
      }
      await c.quit()
      return deleted
    },
  }
}

export function keyPair() {
  const k = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    publicKeyPem: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}
