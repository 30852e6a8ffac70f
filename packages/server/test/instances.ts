/**
 * Chat Service instances as child processes (`npm run service` as production runs it: the bundle the
 * test setup built) on one MySQL database and one Redis prefix, for the multi-instance tests of issue 5.
 */
import type { ChildProcess } from 'node:child_process'
import { inject } from 'vitest'
import { startCozeSim, type CozeSim, type CozeSimOptions } from '@volcano-chat/coze-sim'
import { createChatServiceClient } from '@volcano-chat/client'
import { spawnListening } from '../../../test/listening'
import { createTestDatabase, createTestRedisPrefix, testRedisUrl } from '../../../test/services'
import { cozeEnv, simTrusting } from '../../../test/fixtures'
import { S2S_KEY, SECRETS, testKeyPair } from './harness'

export interface Instance {
  name: string
  url: string
  proc: ChildProcess
  output: string[]
  kill(signal?: NodeJS.Signals): Promise<number | null>
}

export async function startCluster(opts: { sim?: CozeSimOptions; env?: Record<string, string> } = {}) {
  const keys = testKeyPair()
  const sim: CozeSim = await startCozeSim({
    ...simTrusting(keys.publicKeyPem),
    firstTokenDelayMs: 5,
    tokensPerSecond: 0,
    ...opts.sim,
  })
  const db = await createTestDatabase()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: createTestRedisPrefix(),
    ...cozeEnv(sim.url, keys.privateKeyPem),
    ...SECRETS,
    LEASE_HEARTBEAT_MS: '200',
    SWEEP_INTERVAL_MS: '300',
    RECOVERY_POLL_MS: '100',
    LOG_LEVEL: 'warn',
    ...opts.env,
  }
  const instances: Instance[] = []

  async function start(name: string, extra: Record<string, string> = {}): Promise<Instance> {
    // Port 0: the service reports the port it got over IPC (test/listening.ts).
    const { proc, url, output } = await spawnListening(inject('serviceBundle'), {
      env: { ...env, ...extra, PORT: '0' },
    }).catch((err: Error) => {
      throw new Error(`${name}: ${err.message}`, { cause: err })
    })
    const exited = new Promise<number | null>((r) => {
      if (proc.exitCode !== null || proc.signalCode !== null) r(proc.exitCode)
      else proc.once('exit', (code) => r(code))
    })
    const instance: Instance = {
      name,
      url,
      proc,
      output,
      kill(signal = 'SIGTERM') {
        if (proc.exitCode === null) proc.kill(signal)
        return exited
      },
    }
    instances.push(instance)
    return instance
  }

  return {
    sim,
    db,
    env,
    start,
    client: (i: Instance) =>
      createChatServiceClient({ baseUrl: i.url, keyId: S2S_KEY.id, secret: S2S_KEY.secret }),
    async close() {
      await Promise.all(instances.map((i) => i.kill('SIGKILL')))
      await sim.close()
      await db.drop()
    },
  }
}
