/**
 * Sentinel failover (SPEC §6): a master, a replica and a sentinel on loopback (test/redis-cluster.ts).
 * The service (and a `Kv` of its own) follows Sentinel to the promoted replica, once by `SENTINEL
 * FAILOVER` (the old master is demoted) and once by killing the master: the session still
 * authenticates, a new chat is archived `completed` with its writes on the new master, and an answer
 * streaming through the failover still ends. Last, a client that ioredis gave up on connects again.
 */
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import {
  redisCli,
  startRedisSentinelFailover,
  type SentinelFailover,
} from '../../../../../test/redis-cluster'
import { createTestRedisPrefix } from '../../../../../test/services'
import { waitFor } from '../../../../../test/wait-for'
import { startStack, type Stack } from '../../../test/harness'
import { readStream } from '../../../test/sse-client'
import { parseHostPorts } from '../../core/kv/connection'
import { keys } from '../../core/kv/keys'
import { openRedisBus } from './bus'
import { openRedisKv } from './kv'

const NAME = 'vc-failover-master'
const FINAL = ['completed', 'failed', 'interrupted']
const topologies: SentinelFailover[] = []
const closers: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined)
  for (const t of topologies) await t.stop()
})

const messageIdOf = (r: { events: { data: unknown }[] }) =>
  (r.events[0]!.data as { messageId: string }).messageId

/** Polls `check` until it succeeds; returns how long it failed (ms) from the first failure on. */
function outage(check: () => Promise<boolean>) {
  let firstFailure: number | undefined
  let lastFailure: number | undefined
  let stopped = false
  const polling = (async () => {
    while (!stopped) {
      const ok = await check().catch(() => false)
      if (!ok) lastFailure = Date.now()
      if (!ok) firstFailure ??= lastFailure
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  return async () => {
    stopped = true
    await polling
    return firstFailure === undefined ? 0 : lastFailure! - firstFailure + 100
  }
}

describe.each([
  ['SENTINEL FAILOVER (the master is demoted)', 'demote'],
  ['the master killed', 'kill'],
] as const)('the service through Sentinel, failing over by %s', (_, how) => {
  it('should follow Sentinel to the new master: same session, new chats archived, every stream ends', async () => {
    const topology = await startRedisSentinelFailover(NAME)
    topologies.push(topology)
    const stack: Stack = await startStack({
      backend: 'mysql',
      env: {
        REDIS_URL: '',
        REDIS_SENTINELS: topology.nodes,
        REDIS_SENTINEL_NAME: NAME,
        SWEEP_INTERVAL_MS: '500',
      },
    })
    closers.push(() => stack.close())
    const connection = {
      mode: 'sentinel' as const,
      sentinels: parseHostPorts(topology.nodes) as { host: string; port: number }[],
      name: NAME,
    }
    const prefix = createTestRedisPrefix()
    const open = async () => {
      const opened = await openRedisKv({ connection, prefix, onError: () => undefined })
      closers.push(() => opened.close())
      return opened
    }
    // `kv` and the service's bus subscriber stay idle through the failover, `probe` is busy: an idle
    // client reconnects on its own schedule (ioredis may give one up: kv.ts connects it again).
    const [kv, probe] = [await open(), await open()]
    const heard: string[] = []
    await stack.services.backend.bus.subscribe('failover-probe', (m) => heard.push(m))

    // (1) Before: a session, a chat, a key.
    expect(stack.kv.kind).toBe('redis')
    const user = await stack.newUser()
    const first = await stack.chat(user.token, { message: '故障转移之前' })
    expect(first.events.at(-1)?.event).toBe('done')
    await kv.set('before', '1')
    // The replica has what the master has (loopback: at once; WAIT makes it certain).
    await redisCli(topology.masterPort, 'wait', '1', '2000')

    // An answer streaming through the failover (≈ 6 s at 20 deltas/s).
    let streaming!: () => void
    const started = new Promise<void>((r) => (streaming = r))
    const during = stack
      .send(user.token, { message: '边转移边回答 [[sim:tps=20,tokens=120]]' })
      .then((res) => readStream(res, { onEvent: (e) => e.event === 'delta' && streaming() }))
    await Promise.race([started, during])

    // (2) The failover; the service polled meanwhile by the session it had.
    const { conversationId } = first.events[0]!.data as { conversationId: string }
    const history = () =>
      fetch(`${stack.url}/api/chat/history?conversationId=${conversationId}`, {
        headers: { authorization: `Bearer ${user.token}` },
      }).then((r) => r.ok)
    const serviceOutage = outage(history)
    const kvOutage = outage(async () => (await probe.set('probe', String(Date.now()))) === true)
    const t0 = Date.now()
    if (how === 'demote') await topology.failover()
    else await topology.kill(topology.masterPort)
    const newMaster = await topology.waitForNewMaster(topology.masterPort)
    const switchedMs = Date.now() - t0
    expect(newMaster).toBe(topology.replicaPort)

    // (3) After: the same token authenticates and a new chat is archived; writes land on the new master.
    const again = await waitFor(
      async () => {
        const r = await stack.chat(user.token, { message: '故障转移之后' })
        return r.events.at(-1)?.event === 'done' ? r : undefined
      },
      { what: 'a chat answered after the failover', timeoutMs: 30_000, intervalMs: 200 },
    )
    const answeredMs = Date.now() - t0
    expect((await stack.store.getMessage(user.userId, messageIdOf(again)))?.status).toBe('completed')
    const unavailableMs = await serviceOutage()
    const kvUnavailableMs = await kvOutage()

    // The idle clients are back too: the Kv, and the bus subscriber (a publish reaches it).
    await waitFor(() => kv.set('after', '2'), { what: 'the idle Kv writing again', timeoutMs: 15_000 })
    await waitFor(
      async () => {
        await stack.services.backend.bus.publish('failover-probe', 'after')
        return heard.includes('after')
      },
      { what: "the service's bus subscriber hearing a publish", timeoutMs: 15_000, intervalMs: 200 },
    )

    const direct = new Redis({ host: '127.0.0.1', port: newMaster, lazyConnect: true })
    closers.push(async () => direct.disconnect())
    const later = await stack.newUser()
    const index = `${stack.config.redisPrefix}:${keys.userSessions(later.userId)}`
    expect(await direct.zcard(index)).toBe(1)
    expect(await direct.mget(kv.key('before'), kv.key('after'))).toEqual(['1', '2'])

    // Every stream ends: the one that ran through the failover got a terminal event, its row is final.
    const r = await during
    expect(['done', 'error']).toContain(r.events.at(-1)?.event)
    const row = await waitFor(
      async () => {
        const m = await stack.store.getMessage(user.userId, messageIdOf(r))
        return m && FINAL.includes(m.status) ? m : undefined
      },
      { what: 'the row of the answer that streamed through the failover final', timeoutMs: 30_000 },
    )
    console.info(
      `sentinel failover (${how}): new master named after ${switchedMs} ms, a chat answered after ` +
        `${answeredMs} ms; the session's history failed for ${unavailableMs} ms, a Kv write for ` +
        `${kvUnavailableMs} ms; the streaming answer ended ${r.events.at(-1)?.event} (${row.status})`,
    )
  }, 90_000)
})

describe('a Sentinel client that ioredis gives up on', () => {
  it('should connect again once the sentinel is back (ioredis ends it after its sentinel retries)', async () => {
    const topology = await startRedisSentinelFailover(NAME)
    topologies.push(topology)
    const connection = {
      mode: 'sentinel' as const,
      sentinels: parseHostPorts(topology.nodes) as { host: string; port: number }[],
      name: NAME,
    }
    const kv = await openRedisKv({ connection, prefix: createTestRedisPrefix(), onError: () => undefined })
    closers.push(() => kv.close())
    const bus = await openRedisBus(kv)
    closers.push(() => bus.close())
    const heard: string[] = []
    await bus.subscribe('probe', (m) => heard.push(m))

    // Master, replica and sentinel down until ioredis has given the client up ("Connection is closed.").
    const ended = new Promise((resolve) => kv.redis.once('end', resolve))
    await topology.restart(async () => {
      await ended
      await expect(kv.get('x')).rejects.toThrow()
    })
    await waitFor(() => kv.set('back', '1'), { what: 'the Kv writing again', timeoutMs: 20_000 })
    await waitFor(
      async () => {
        await bus.publish('probe', 'back')
        return heard.includes('back')
      },
      { what: 'the bus subscriber hearing a publish again', timeoutMs: 20_000, intervalMs: 200 },
    )
  }, 60_000)
})
