/**
 * Issue 5 "Must show" on two real instances (child processes) sharing MariaDB + Redis:
 * resume elsewhere, crash recovery, cancel from another instance, idempotent concurrent sends.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keys } from '../core/kv/keys'
import { openMysqlStore } from '../store/mysql'
import type { Store } from '../store/types'
import { pseudonymOf } from '../core/phone'
import { randomPhone } from '../../test/harness'
import { startCluster, type Instance } from '../../test/instances'
import { answerOf, readStream, type ReceivedEvent } from '../../test/sse-client'
import { waitFor } from '../../../../test/wait-for'

let cluster: Awaited<ReturnType<typeof startCluster>>
let a: Instance
let b: Instance
let store: Store
let redis: Redis

beforeAll(async () => {
  cluster = await startCluster()
  ;[a, b] = await Promise.all([cluster.start('A'), cluster.start('B')])
  store = await openMysqlStore(cluster.db.url)
  redis = new Redis(cluster.env.REDIS_URL!)
}, 90_000)
afterAll(async () => {
  redis?.disconnect()
  await store?.close()
  await cluster?.close()
})

/** The instances' Redis as their Kv names it (`<prefix>:<key>`, backends/redis/kv.ts). */
const kvGet = (key: string) => redis.get(`${cluster.env.REDIS_PREFIX}:${key}`)
/** Whether the holder of a reserved clientMessageId counts as dead, as running.ts `ownerOf` tells it. */
async function holderGone(userId: string, clientMessageId: string) {
  const holder = await kvGet(keys.clientMessage(userId, clientMessageId))
  const owner = holder && (await kvGet(keys.lease(holder)))
  return !owner || !(await kvGet(keys.instance(owner)))
}

async function newUser(on: Instance) {
  const phone = randomPhone()
  const { token } = await cluster.client(on).createSession({ phone })
  return { token, userId: pseudonymOf('test-user-id-secret', phone) }
}

const post = (on: Instance, token: string, path: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${on.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    ...init,
  })

const resume = (on: Instance, token: string, messageId: string, lastEventId?: string) =>
  fetch(`${on.url}/api/chat/stream/${messageId}`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId && { 'last-event-id': lastEventId }) },
  }).then((r) => readStream(r))

const seqs = (events: ReceivedEvent[]) => events.map((e) => Number(e.id.split(':')[1]))
/** Ids name the answer's position (issue 19): strictly increasing, so no event is seen twice. */
const increasing = (events: ReceivedEvent[]) => {
  const s = seqs(events)
  return s.every((x, i) => i === 0 || x > s[i - 1]!)
}
const metaOf = (events: ReceivedEvent[]) => events[0]!.data as { messageId: string; conversationId: string }

describe('streams that survive (two instances)', () => {
  it('should resume on B exactly where the client left A', async () => {
    const user = await newUser(a)
    const question = '在 A 上开始，在 B 上继续 [[sim:tps=40]]'
    const first = await readStream(await post(a, user.token, '/api/chat/send', { message: question }), {
      stopAfter: 5,
    })
    const { messageId } = metaOf(first.events)
    const rest = await resume(b, user.token, messageId, first.events.at(-1)!.id)
    const all = [...first.events, ...rest.events]
    expect(increasing(all)).toBe(true)
    expect(all.at(-1)?.event).toBe('done')
    expect(answerOf(all)).toBe(cluster.sim.answerFor(question).text)
  })

  it('should continue exactly where the client was after its instance was SIGKILLed mid-answer (Must show 5)', async () => {
    const victim = await cluster.start('victim')
    const user = await newUser(victim)
    const question = '崩溃恢复测试 [[sim:tokens=120,tps=30]]'
    // The client stays connected through the kill: it may have seen events the victim never logged.
    const seen: ReceivedEvent[] = []
    const res = await post(victim, user.token, '/api/chat/send', { message: question })
    await readStream(res, {
      onEvent: (e) => {
        seen.push(e)
        if (seen.length === 20) victim.proc.kill('SIGKILL')
      },
    }).catch(() => undefined) // the connection dies with the victim
    expect(seen.at(-1)?.event).not.toBe('done')
    const { messageId } = metaOf(seen)
    await victim.kill('SIGKILL')
    const rest = await resume(b, user.token, messageId, seen.at(-1)!.id)
    const all = [...seen, ...rest.events]
    const expected = cluster.sim.answerFor(question).text
    expect(rest.events.at(-1)?.event).toBe('done')
    expect(rest.events.some((e) => e.event === 'meta')).toBe(false) // no restart of the answer
    expect(increasing(all)).toBe(true)
    // Text before + text after == Coze's answer, character for character.
    expect(answerOf(seen) + answerOf(rest.events)).toBe(expected)
    expect(await store.getMessage(user.userId, messageId)).toMatchObject({
      status: 'completed',
      answer: expected,
    })
  })

  it('should cancel through B an answer streaming from A', async () => {
    const user = await newUser(a)
    const cancelsBefore = cluster.sim.stats.cancelCalls
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
    expect(cluster.sim.stats.cancelCalls).toBeGreaterThan(cancelsBefore)
    const row = await store.getMessage(user.userId, metaOf(stream.events).messageId)
    expect(row).toMatchObject({ status: 'cancelled', answer: answerOf(stream.events) })
  })

  it('should ask Coze once for the same clientMessageId sent to A and B at once', async () => {
    const user = await newUser(a)
    const calls = cluster.sim.stats.chatCalls
    const body = { message: '同时发送两次 [[sim:tps=100]]', clientMessageId: `cm-${Date.now()}` }
    const [x, y] = await Promise.all([
      post(a, user.token, '/api/chat/send', body).then((r) => readStream(r)),
      post(b, user.token, '/api/chat/send', body).then((r) => readStream(r)),
    ])
    expect(cluster.sim.stats.chatCalls).toBe(calls + 1)
    expect(x.events).toEqual(y.events)
    expect(x.events.at(-1)?.event).toBe('done')
  })

  it('should hand answers over on SIGTERM while peers live: the rest comes from B, exactly, completed', async () => {
    const leaving = await cluster.start('leaving', { SHUTDOWN_HANDOVER_MS: '2500' })
    const user = await newUser(leaving)
    // One answer fits in the short wait (2.5 s), two need ≈ 8 s: those go to a peer.
    const questions = [
      '关机前答完 [[sim:ttft=200,tps=0]]',
      '交接测试一 [[sim:tokens=80,tps=10]]',
      '交接测试二 [[sim:tokens=80,tps=10]]',
    ]
    let exit: Promise<number | null> | undefined
    let started = 0
    const streams = await Promise.all(
      questions.map(async (message) =>
        readStream(await post(leaving, user.token, '/api/chat/send', { message }), {
          onEvent: (_e, all) => {
            if (all.length === 1 && ++started === questions.length) exit = leaving.kill('SIGTERM')
          },
        }),
      ),
    )
    expect(await exit).toBe(0)
    const [quick, ...slow] = streams
    expect(quick!.events.at(-1)?.event).toBe('done')
    for (const [i, s] of slow.entries()) {
      expect(s.events.some((e) => e.event === 'done' || e.event === 'error')).toBe(false) // ended, not cut
      const { messageId } = metaOf(s.events)
      const rest = await resume(b, user.token, messageId, s.events.at(-1)!.id)
      const expected = cluster.sim.answerFor(questions[i + 1]!).text
      expect(answerOf([...s.events, ...rest.events])).toBe(expected)
      expect(rest.events.at(-1)?.event).toBe('done')
      expect(await store.getMessage(user.userId, messageId)).toMatchObject({
        status: 'completed',
        answer: expected,
        cozeMessageId: expect.any(String), // B's recovery archives it, for feedback
      })
    }
  })

  it('should let a retry on B take over a send whose instance died before it had a row', async () => {
    const victim = await cluster.start('victim-2')
    const user = await newUser(b)
    const body = { message: '发送途中实例崩溃', clientMessageId: `cm-orphan-${Date.now()}` }
    // Killed the moment it asks Coze for a conversation: the clientMessageId is reserved, no row exists.
    const kill = (r: { path: string }) => {
      if (r.path.startsWith('/v1/conversation/create') && victim.proc.exitCode === null)
        victim.proc.kill('SIGKILL')
    }
    cluster.sim.on('request', kill)
    await post(victim, user.token, '/api/chat/send', body).then(
      (r) => r.text(),
      () => 'connection lost',
    )
    await victim.kill('SIGKILL')
    cluster.sim.off('request', kill)
    // The victim's heartbeat (3 × 200 ms) lapses: only then is its reservation taken over.
    await waitFor(() => holderGone(user.userId, body.clientMessageId), { what: 'the victim counted dead' })
    const retry = await readStream(await post(b, user.token, '/api/chat/send', body))
    expect(retry.status).toBe(200)
    expect(retry.events.at(-1)?.event).toBe('done')
  })

  it('should answer 404 for someone else’s message and replay a finished one from its log', async () => {
    const alice = await newUser(a)
    const bob = await newUser(a)
    const done = await readStream(await post(a, alice.token, '/api/chat/send', { message: '回放' }))
    const { messageId } = metaOf(done.events)
    expect((await resume(b, bob.token, messageId)).status).toBe(404)
    const replay = await resume(b, alice.token, messageId)
    expect(replay.events).toEqual(done.events)
  })
})
