/**
 * A MySQL database and a Redis key prefix of this run only (like test/services.ts), created here and
 * dropped again at the end, plus the RSA key pair and secrets the service and the sim share.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { createDatabaseAt } from '../../test/fixtures'

export const mysqlAdminUrl = () =>
  process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql'
export const redisUrl = () =>
  process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** The tests' fixtures (test/fixtures.ts), so a reader recognises them. */
export { BOT_ID, cozeEnv, PAT, S2S_KEY, simTrusting } from '../../test/fixtures'

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
  return createDatabaseAt(admin, `vcbench_${suffix}`)
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
