/**
 * Start-up that fails says so in one JSON line and exits (issue 19 items 2 and 3): a Redis that accepts
 * connections but never answers (stalled through the fault proxy) stops the built service with a line
 * naming it, instead of hanging with no log line; bad configuration gives one JSON line per problem.
 */
import { spawn } from 'node:child_process'
import { describe, expect, inject, it } from 'vitest'
import { testRedisClusterNodes, testRedisUrl } from '../../../../test/services'
import { startFaultProxyFor } from '../../test/fault-proxy'

/** Runs the production bundle with `env` until it exits; its stderr lines parsed as JSON. */
function runService(env: Record<string, string>) {
  return new Promise<{ code: number | null; lines: Record<string, unknown>[] }>((resolve) => {
    const proc = spawn(process.execPath, [inject('serviceBundle')], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    proc.on('exit', (code) => {
      const lines = stderr
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      resolve({ code, lines })
    })
  })
}

const BASE_ENV = {
  COZE_API_BASE: 'http://127.0.0.1:9', // never reached
  COZE_BOT_ID: '7379462189365198898',
  COZE_PAT: 'pat_startup_test',
  S2S_KEYS: 'startup-test:0123456789abcdef0123',
  USER_ID_SECRET: 'startup-test-user-id-secret',
  AUDIT_KEY: 'startup-test-audit-key-0123456789',
}

describe('start-up failures of the built service', () => {
  it('should exit 1 with one JSON line naming Redis when Redis never answers', async () => {
    const { proxy } = await startFaultProxyFor(testRedisUrl())
    proxy.set('stall')
    try {
      const r = await runService({
        ...BASE_ENV,
        REDIS_URL: `redis://${proxy.address}`,
        SQLITE_PATH: ':memory:',
      })
      expect(r.code).toBe(1)
      const fatal = r.lines.find((l) => l.msg === 'fatal')
      expect(fatal?.problem).toContain(`Redis at ${proxy.address} did not become ready`)
    } finally {
      await proxy.close()
    }
  }, 60_000)

  it('should exit 1 with one JSON line naming the Redis Cluster when its node never answers', async () => {
    const node = testRedisClusterNodes().split(',')[0]!
    const { proxy } = await startFaultProxyFor(`redis://${node}`)
    proxy.set('stall')
    try {
      const r = await runService({ ...BASE_ENV, REDIS_CLUSTER_NODES: proxy.address, SQLITE_PATH: ':memory:' })
      expect(r.code).toBe(1)
      const fatal = r.lines.find((l) => l.msg === 'fatal')
      expect(fatal?.problem).toContain(`Redis Cluster at ${proxy.address} did not become ready`)
    } finally {
      await proxy.close()
    }
  }, 60_000)

  it('should exit 2 with one JSON line per configuration problem', async () => {
    const r = await runService({ ...BASE_ENV, PORT: 'eighty', LOG_LEVEL: 'loud' })
    expect(r.code).toBe(2)
    const problems = r.lines.filter((l) => l.msg === 'config').map((l) => String(l.problem))
    expect(problems.some((p) => p.startsWith('PORT'))).toBe(true)
    expect(problems.some((p) => p.startsWith('LOG_LEVEL'))).toBe(true)
  })
})
