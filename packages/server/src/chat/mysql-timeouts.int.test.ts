/**
 * Issue 19, "no request hangs longer than its timeout" (MySQL part): a MySQL that stops answering for
 * 15 s (the operator's trial: every finished answer's `done` held, a send hung 14.6 s) and a MySQL cut
 * while answers end. Each request must answer — 503 + Retry-After, or its stream's end — while the
 * stall still lasts: the test checks that order, never a wall-clock speed.
 */
import { describe, expect, it } from 'vitest'
import { useStackBehindFaultProxy } from '../../test/faulty-stack'
import { readStream } from '../../test/sse-client'

const STALL_MS = 15_000

describe('MySQL timeouts', () => {
  const t = useStackBehindFaultProxy('mysql', {
    MYSQL_POOL_SIZE: '2',
    MYSQL_QUEUE_LIMIT: '2',
    MYSQL_QUERY_TIMEOUT_MS: '1000',
    MYSQL_ACQUIRE_TIMEOUT_MS: '1000',
  })

  /** MySQL stops answering (bytes held, sockets open) for `STALL_MS`, unless the test ends it first. */
  function stall() {
    let over = false
    t.proxy.set('stall')
    const timer = setTimeout(() => {
      over = true
      t.proxy.set('pass')
    }, STALL_MS)
    return {
      isOver: () => over,
      end() {
        clearTimeout(timer)
        t.proxy.set('pass')
      },
    }
  }

  /** Resolves once T1 is in: a fault before it would fail the question, not end the answer. */
  async function rowOf(userId: string, meta: unknown) {
    const { messageId } = meta as { messageId: string }
    while (!(await t.stack.store.getMessage(userId, messageId))) await new Promise((r) => setTimeout(r, 10))
  }
  const get = (path: string, token: string) =>
    fetch(`${t.stack.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
  const metric = async (line: RegExp) =>
    Number((await (await fetch(`${t.stack.url}/metrics`)).text()).match(line)?.[1] ?? 0)

  it('should answer a send and a history read with 503 + Retry-After while MySQL is stalled', async () => {
    const user = await t.stack.newUser()
    const first = await t.stack.chat(user.token, { message: '你好' })
    const { conversationId } = first.events[0]!.data as { conversationId: string }
    const s = stall()
    try {
      const [history, send] = await Promise.all([
        get(`/api/chat/history?conversationId=${conversationId}`, user.token),
        t.stack.send(user.token, { message: '新的对话' }),
      ])
      expect(s.isOver()).toBe(false)
      for (const res of [history, send]) {
        expect(res.status).toBe(503)
        expect(res.headers.get('retry-after')).toBe('5')
        expect(await res.json()).toMatchObject({ error: { code: 'DEPENDENCY_UNAVAILABLE' } })
      }
    } finally {
      s.end()
    }
    expect(await metric(/^vc_mysql_errors_total\{kind="query_timeout"\} (\d+)/m)).toBeGreaterThan(0)
  })

  it('should refuse at once what does not fit in pool + queue, never queue it behind a stall', async () => {
    const user = await t.stack.newUser()
    const s = stall()
    try {
      // Pool 2 + queue 2: the fifth and later reads are refused at once, the others time out.
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => get('/api/chat/conversations', user.token)),
      )
      expect(s.isOver()).toBe(false)
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(503))
    } finally {
      s.end()
    }
    expect(await metric(/^vc_mysql_errors_total\{kind="queue_full"\} (\d+)/m)).toBeGreaterThanOrEqual(6)
    expect(await metric(/^vc_mysql_pool_queued_requests (\d+)/m)).toBe(0)
    const pool = await (await fetch(`${t.stack.url}/metrics`)).text()
    const inUse = Number(/^vc_mysql_pool_connections\{state="in_use"\} (\d+)$/m.exec(pool)?.[1])
    expect(inUse + Number(/^vc_mysql_pool_connections\{state="free"\} (\d+)$/m.exec(pool)?.[1])).toBe(2)
  })

  it('should end a finishing answer with done while MySQL is stalled', async () => {
    const user = await t.stack.newUser()
    let s: ReturnType<typeof stall> | undefined
    let deltas = 0
    try {
      let archived: Promise<unknown> | undefined
      let t3FailedBeforeDone: boolean | undefined
      const r = await readStream(
        await t.stack.send(user.token, { message: '停顿 [[sim:tps=40,tokens=60]]' }),
        {
          onEvent: (e) => {
            if (e.event === 'meta') archived = rowOf(user.userId, e.data)
            if (e.event === 'delta' && ++deltas === 3) void archived!.then(() => (s = stall()))
            // `done` goes out before T3 is tried, not after T3 gave up (the query timeout is 1 s).
            if (e.event === 'done')
              t3FailedBeforeDone = t.stack.logLines.some((l) => l.includes('T3 update failed'))
          },
        },
      )
      expect(s?.isOver()).toBe(false)
      expect(t3FailedBeforeDone).toBe(false)
      expect(r.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed' } })
    } finally {
      s?.end()
    }
  })

  it('should retry a conversation touch lost to a MySQL cut, and count it', async () => {
    const user = await t.stack.newUser()
    const retriesBefore = await metric(/^vc_store_retries_total\{write="touch"\} (\d+)/m)
    let deltas = 0
    let archived: Promise<unknown> | undefined
    const r = await readStream(await t.stack.send(user.token, { message: '断开 [[sim:tps=40,tokens=60]]' }), {
      onEvent: (e) => {
        if (e.event === 'meta') archived = rowOf(user.userId, e.data)
        if (e.event === 'delta' && ++deltas === 3) void archived!.then(() => t.proxy.set('cut'))
      },
    })
    const { conversationId } = r.events[0]!.data as { conversationId: string }
    try {
      expect(r.events.at(-1)).toMatchObject({ event: 'done' })
      while ((await metric(/^vc_store_retries_total\{write="touch"\} (\d+)/m)) === retriesBefore) {
        await new Promise((res) => setTimeout(res, 50))
      }
    } finally {
      t.proxy.set('pass')
    }
    // Back: the retry lands, and the conversation sorts by the answer's end, not its creation.
    for (;;) {
      const c = await t.stack.store.getConversation(user.userId, conversationId)
      if (c && c.updatedAt > c.createdAt) break
      await new Promise((res) => setTimeout(res, 50))
    }
    expect(await metric(/^vc_archive_failures_total\{write="touch"\} (\d+)/m)).toBe(0)
  })
})
