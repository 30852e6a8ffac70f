/**
 * Issue 19 "Must show 4": a rolling restart hands open answers over instead of cutting them. Instances
 * are child processes on real MariaDB + Redis; the test plays the load balancer (it stops sending to an
 * instance before its SIGTERM) and the widget (a stream that ends without a terminal event is resumed
 * with its last id on any instance in the pool).
 *
 * SLOW BY DESIGN: ten answers of ≈ 40 s each stream through two rolling restarts, so this file takes
 * about a minute; nothing here asserts on speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomPhone } from '../../test/harness'
import { startCluster, type Instance } from '../../test/instances'
import { answerOf, readStream, type ReceivedEvent } from '../../test/sse-client'
import { pseudonymOf } from '../core/phone'
import { isTerminalEvent } from '../core/streams/types'
import { openMysqlStore } from '../store/mysql'
import type { Store } from '../store/types'

type Cluster = Awaited<ReturnType<typeof startCluster>>

const post = (on: Instance, token: string, body: unknown) =>
  fetch(`${on.url}/api/chat/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })

const resume = (on: Instance, token: string, messageId: string, lastEventId: string) =>
  fetch(`${on.url}/api/chat/stream/${messageId}`, {
    headers: { authorization: `Bearer ${token}`, 'last-event-id': lastEventId },
  })

const positions = (events: ReceivedEvent[]) => events.map((e) => Number(e.id.split(':').at(-1)))

async function newUser(cluster: Cluster, on: Instance) {
  const phone = randomPhone()
  const { token } = await cluster.client(on).createSession({ phone })
  return { token, userId: pseudonymOf('test-user-id-secret', phone) }
}

/**
 * The widget's side of one answer: sends, and whenever the stream ends without a terminal event (or a
 * resume is refused, or the connection fails), resumes with the last id it saw on an instance of the
 * pool, as a load balancer would pick it.
 */
async function followAnswer(pool: () => Instance[], token: string, message: string, onFirst: () => void) {
  const first = await readStream(await post(pool()[0]!, token, { message }), { onEvent: onFirst })
  const events = [...first.events]
  let resumes = 0
  for (let attempt = 0; !events.some(isTerminalEvent); attempt++) {
    if (attempt > 200) throw new Error(`gave up after ${attempt} resumes: ${JSON.stringify(events.at(-1))}`)
    const last = events.at(-1)!
    const messageId = last.id.split(':')[0]!
    const on = pool()[attempt % pool().length]!
    const next = await resume(on, token, messageId, last.id).then(
      (r) => readStream(r),
      () => undefined, // the instance went away under us: try the next one
    )
    if (next?.status === 200) {
      resumes++
      events.push(...next.events)
    } else await new Promise((r) => setTimeout(r, 100)) // 503 while it drains: the widget backs off
  }
  return { events, resumes }
}

describe('rolling restart (issue 19)', () => {
  let cluster: Cluster
  let store: Store
  beforeAll(async () => {
    cluster = await startCluster({
      env: { SHUTDOWN_HANDOVER_MS: '300', SHUTDOWN_GRACE_MS: '20000', MAX_ANSWER_MS: '120000' },
    })
    store = await openMysqlStore(cluster.db.url)
  }, 90_000)
  afterAll(async () => {
    await store?.close()
    await cluster?.close()
  })

  it('should hand 10 answers of ≈ 40 s over through a rolling restart: all completed, each client gets the text once', async () => {
    const [one, two] = await Promise.all([cluster.start('one'), cluster.start('two')])
    const pool = [one, two]
    const users = await Promise.all(Array.from({ length: 10 }, (_, i) => newUser(cluster, pool[i % 2]!)))
    // 200 tokens at 5 per second: ≈ 40 s of streaming each.
    const questions = users.map((_, i) => `滚动重启第 ${i} 个回答 [[sim:tokens=200,tps=5]]`)
    let started = 0
    let allStarted: () => void = () => undefined
    const streaming = new Promise<void>((r) => (allStarted = r))
    const clients = users.map((u, i) => {
      const home = pool[i % 2]!
      // Each client starts on its own instance; later the pool is whatever the balancer has.
      let sent = false
      const choose = () => (sent ? pool : [home])
      return followAnswer(choose, u.token, questions[i]!, () => {
        if (!sent && (sent = true) && ++started === users.length) allStarted()
      })
    })
    await streaming

    // Instance one leaves: the balancer stops sending to it, SIGTERM, it exits within its grace.
    pool.splice(pool.indexOf(one), 1)
    expect(await one.kill('SIGTERM')).toBe(0)
    pool.push(await cluster.start('one-again'))
    pool.splice(pool.indexOf(two), 1)
    expect(await two.kill('SIGTERM')).toBe(0)
    pool.push(await cluster.start('two-again'))

    const results = await Promise.all(clients)
    for (const [i, r] of results.entries()) {
      const expected = cluster.sim.answerFor(questions[i]!).text
      expect(r.events.at(-1)?.event, `answer ${i}`).toBe('done')
      expect(answerOf(r.events), `answer ${i}`).toBe(expected) // every character once, in order
      const seen = positions(r.events)
      expect(seen, `answer ${i}`).toEqual([...new Set(seen)].sort((x, y) => x - y))
      const messageId = r.events[0]!.id.split(':')[0]!
      expect(await store.getMessage(users[i]!.userId, messageId)).toMatchObject({
        status: 'completed',
        answer: expected,
      })
    }
    // Both restarts caught answers mid-stream: every client resumed at least once.
    expect(results.every((r) => r.resumes >= 1)).toBe(true)
  }, 150_000)
})

describe('drain without a peer (issue 19)', () => {
  let cluster: Cluster
  let store: Store
  beforeAll(async () => {
    cluster = await startCluster({ env: { SHUTDOWN_HANDOVER_MS: '300' } })
    store = await openMysqlStore(cluster.db.url)
  }, 90_000)
  afterAll(async () => {
    await store?.close()
    await cluster?.close()
  })

  it('should cut on SIGTERM what does not finish in its grace, archived interrupted, and exit 0', async () => {
    const alone = await cluster.start('alone', { SHUTDOWN_GRACE_MS: '1500' })
    const user = await newUser(cluster, alone)
    // Three conversations: one answer fits in the grace period, two are far too slow to.
    const questions = [
      '关机前答完 [[sim:ttft=600,tps=0]]',
      '关机测试一 [[sim:tps=5]]',
      '关机测试二 [[sim:tps=5]]',
    ]
    let exit: Promise<number | null> | undefined
    let started = 0
    const streams = await Promise.all(
      questions.map(async (message) =>
        readStream(await post(alone, user.token, { message }), {
          onEvent: (_e, all) => {
            if (all.length === 1 && ++started === questions.length) exit = alone.kill('SIGTERM')
          },
        }),
      ),
    )
    expect(await exit).toBe(0)
    const [quick, ...slow] = streams
    expect(quick!.events.at(-1)?.event).toBe('done')
    for (const s of slow)
      expect(s.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'INTERRUPTED' } })
    const rows = await Promise.all(
      streams.map((s) => store.getMessage(user.userId, s.events[0]!.id.split(':')[0]!)),
    )
    expect(rows.map((r) => r?.status)).toEqual(['completed', 'interrupted', 'interrupted'])
    expect(rows[1]?.answer).toBe(answerOf(slow[0]!.events))
  })
})
