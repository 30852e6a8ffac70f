/**
 * A whole Redis Cluster outage (SPEC §6): its own 3-master cluster (the run's shared one must stay up),
 * every node SIGKILLed and started again. Commands fail while it is down instead of hanging; afterwards
 * the same clients work again and a stream follower is woken again (its subscription was renewed).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startRedisCluster, type RedisTopology } from '../../../../../test/redis-cluster'
import { createTestRedisPrefix } from '../../../../../test/services'
import { openRedisBus } from './bus'
import { openRedisStreamLog } from './streams'
import type { LoggedEvent } from '../../core/streams/types'
import { parseHostPorts, type RedisConnection } from '../../core/kv/connection'
import { openRedisKv, type RedisKv } from './kv'

let topology: RedisTopology
const opened: RedisKv[] = []
beforeAll(async () => {
  topology = await startRedisCluster()
}, 60_000)
afterAll(async () => {
  for (const kv of opened) await kv.close()
  await topology?.stop()
})

const delta = (seq: number): LoggedEvent => ({ seq, event: 'delta', data: { text: `t${seq}` } })

describe('a Redis Cluster that goes down and comes back', () => {
  it('should fail commands while down, then work again and wake stream followers', async () => {
    const connection: RedisConnection = {
      mode: 'cluster',
      nodes: parseHostPorts(topology.nodes) as { host: string; port: number }[],
    }
    const prefix = createTestRedisPrefix()
    const [a, b] = [await openRedisKv({ connection, prefix }), await openRedisKv({ connection, prefix })]
    opened.push(a, b)
    const writer = await openRedisStreamLog(a, await openRedisBus(a))
    const readerBus = await openRedisBus(b)
    const reader = await openRedisStreamLog(b, readerBus)
    const seen: number[] = []
    const stop = new AbortController()
    const following = (async () => {
      for await (const e of reader.follow('m-outage', -1, stop.signal)) {
        seen.push(e.seq)
        if (e.event === 'done') return
      }
    })()
    writer.append('m-outage', delta(0))
    await writer.flush()
    await vi.waitFor(() => expect(seen).toEqual([0]), { timeout: 10_000 })

    // Every node killed, then started again (empty: nothing is persisted). Meanwhile a command fails
    // (within the command timeout at worst) rather than waiting for the cluster.
    await topology.restart(() => expect(a.get('probe')).rejects.toThrow())
    // While the clients reconnect, commands are refused (no unbounded queue); then they answer again.
    await vi.waitFor(async () => expect(await a.set('probe', '1')).toBe(true), {
      timeout: 30_000,
      interval: 200,
    })
    await vi.waitFor(async () => expect(await b.get('probe')).toBe('1'), { timeout: 30_000, interval: 200 })

    // The writer's next window reaches the follower: b's subscriber subscribed again by itself.
    await vi.waitFor(
      async () => {
        writer.append('m-outage', delta(1))
        writer.append('m-outage', { seq: 2, event: 'done', data: { status: 'completed' } } as LoggedEvent)
        await writer.flush()
        expect(seen).toContain(2)
      },
      { timeout: 30_000, interval: 500 },
    )
    await following
    stop.abort()
    await writer.close()
    await reader.close()
    await readerBus.close()
  }, 120_000)
})
