/**
 * Issue 19 "Production" on a real 3-master Redis Cluster (SPEC §6): two service instances (child
 * processes, the production bundle) configured with REDIS_CLUSTER_NODES only. A chat streams to `done`,
 * resumes on the other instance, a cancel crosses instances, a rate limit triggers, and a revoke by
 * phone ends every session of the user. Every log line of both instances is then checked: no CROSSSLOT,
 * no error-level line, no Redis failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testRedisCluster, testRedisClusterNodes } from '../../../../test/services'
import { openRedisKv } from '../backends/redis/kv'
import { keys } from '../core/kv/keys'
import { pseudonymOf } from '../core/phone'
import { randomPhone } from '../../test/harness'
import { startCluster, type Instance } from '../../test/instances'
import { answerOf, readStream, type ReceivedEvent } from '../../test/sse-client'

const MESSAGES_PER_MINUTE = 6
let cluster: Awaited<ReturnType<typeof startCluster>>
let a: Instance
let b: Instance

beforeAll(async () => {
  cluster = await startCluster({
    env: {
      REDIS_URL: '', // unset: the cluster nodes are the only Redis
      REDIS_CLUSTER_NODES: testRedisClusterNodes(),
      LOG_LEVEL: 'info',
      RATE_LIMIT_USER_MESSAGES_PER_MINUTE: String(MESSAGES_PER_MINUTE),
    },
  })
  ;[a, b] = await Promise.all([cluster.start('A'), cluster.start('B')])
}, 90_000)
afterAll(async () => {
  await cluster?.close()
})

async function newUser(on: Instance, phone = randomPhone()) {
  const { token } = await cluster.client(on).createSession({ phone })
  return { phone, token, userId: pseudonymOf('test-user-id-secret', phone) }
}

const post = (on: Instance, token: string, path: string, body: unknown) =>
  fetch(`${on.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })
const resume = (on: Instance, token: string, messageId: string, lastEventId: string) =>
  fetch(`${on.url}/api/chat/stream/${messageId}`, {
    headers: { authorization: `Bearer ${token}`, 'last-event-id': lastEventId },
  }).then((r) => readStream(r))
const metaOf = (events: ReceivedEvent[]) => events[0]!.data as { messageId: string; conversationId: string }
const seqs = (events: ReceivedEvent[]) => events.map((e) => Number(e.id.split(':')[1]))

describe('the service on a Redis Cluster (two instances)', () => {
  it('should answer a chat to `done` and go on in the same conversation', async () => {
    const user = await newUser(a)
    const first = await readStream(await post(a, user.token, '/api/chat/send', { message: '你好，集群' }))
    expect(first.status).toBe(200)
    expect(first.events.at(-1)?.event).toBe('done')
    expect(answerOf(first.events)).toBe(cluster.sim.answerFor('你好，集群').text)
    const { conversationId } = metaOf(first.events)
    const second = await readStream(
      await post(b, user.token, '/api/chat/send', { message: '再来一次', conversationId }),
    )
    expect(second.events.at(-1)?.event).toBe('done')
  })

  it('should resume on B exactly where the client left A', async () => {
    const user = await newUser(a)
    const question = '在 A 上开始，在 B 上继续 [[sim:tps=40]]'
    const first = await readStream(await post(a, user.token, '/api/chat/send', { message: question }), {
      stopAfter: 5,
    })
    const rest = await resume(b, user.token, metaOf(first.events).messageId, first.events.at(-1)!.id)
    const all = [...first.events, ...rest.events]
    const s = seqs(all) // ids name the answer's position: strictly increasing means none seen twice
    expect(s.every((x, i) => i === 0 || x > s[i - 1]!)).toBe(true)
    expect(all.at(-1)?.event).toBe('done')
    expect(answerOf(all)).toBe(cluster.sim.answerFor(question).text)
  })

  it('should cancel through B an answer streaming from A', async () => {
    const user = await newUser(a)
    const res = await post(a, user.token, '/api/chat/send', { message: '请慢慢回答 [[sim:tps=10]]' })
    let cancelled: Promise<Response> | undefined
    const stream = await readStream(res, {
      onEvent: (e, all) => {
        if (all.length === 3)
          cancelled = post(b, user.token, '/api/chat/cancel', { messageId: metaOf(all).messageId })
      },
    })
    expect((await cancelled!).status).toBe(200)
    expect(stream.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'CANCELLED' } })
  })

  it("should count a user's messages across both instances and refuse past the limit", async () => {
    const user = await newUser(a)
    const statuses: number[] = []
    for (let i = 0; i <= MESSAGES_PER_MINUTE; i++) {
      const r = await readStream(
        await post(i % 2 ? b : a, user.token, '/api/chat/send', { message: `第${i}条` }),
      )
      statuses.push(r.status)
    }
    expect(statuses).toEqual([...Array<number>(MESSAGES_PER_MINUTE).fill(200), 429])
  })

  it('should end every session of a phone on both instances when revoked by phone', async () => {
    const phone = randomPhone()
    const sessions = [await newUser(a, phone), await newUser(b, phone), await newUser(a, phone)]
    const other = await newUser(b) // another user keeps theirs
    // The index revoke reads: one sorted set on the cluster, scored by each session's expiry.
    const kv = await openRedisKv({ connection: testRedisCluster(), prefix: cluster.env.REDIS_PREFIX! })
    try {
      const now = Date.now()
      expect(await kv.zrangeByScore(keys.userSessions(sessions[0]!.userId), now, Infinity)).toHaveLength(3)
    } finally {
      await kv.close()
    }
    expect((await cluster.client(b).revokeSession({ phone })).revoked).toBe(3)
    for (const s of sessions) {
      for (const on of [a, b])
        expect((await post(on, s.token, '/api/chat/send', { message: 'x' })).status).toBe(401)
    }
    const still = await readStream(await post(a, other.token, '/api/chat/send', { message: '我还在' }))
    expect(still.events.at(-1)?.event).toBe('done')
  })

  it('should have logged no CROSSSLOT, no error and no Redis failure on either instance', () => {
    const lines = [a, b].flatMap((i) => i.output.join('').split('\n').filter(Boolean))
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.filter((l) => /CROSSSLOT/i.test(l))).toEqual([])
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as { level?: number; msg?: string }
      } catch {
        return { level: 60, msg: l } // anything not a JSON log line (a stack trace) counts as an error
      }
    })
    expect(parsed.filter((p) => (p.level ?? 0) >= 50)).toEqual([])
    expect(
      parsed.filter((p) => /redis|rate-limit store|stream log/i.test(p.msg ?? '') && (p.level ?? 0) >= 40),
    ).toEqual([])
  })
})
