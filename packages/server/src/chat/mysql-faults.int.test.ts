/**
 * Issue 19, Must show 1 (MySQL part): every stream ends whatever MySQL does. The service reaches the
 * real MariaDB through a TCP proxy that cuts or stalls it while an answer finishes: the widget still
 * gets `done` (T3 is bounded, never awaited forever), the conversation is free for the next send, and
 * the row ends completed: T3 is tried again once MySQL is back, or recovery completes it from the log.
 */
import { describe, expect, it } from 'vitest'
import { useStackBehindFaultProxy } from '../../test/faulty-stack'
import { answerOf, readStream, type ReceivedEvent } from '../../test/sse-client'

const metaOf = (events: ReceivedEvent[]) => events[0]!.data as { messageId: string; conversationId: string }

describe('MySQL faults while an answer ends', () => {
  const t = useStackBehindFaultProxy('mysql')

  async function rowOf(userId: string, messageId: string) {
    while (!(await t.stack.store.getMessage(userId, messageId))) await new Promise((r) => setTimeout(r, 10))
  }

  it.each(['cut', 'stall'] as const)(
    'should deliver done when MySQL is %s at the end, and recover the row once it is back',
    async (mode) => {
      const user = await t.stack.newUser()
      const question = `MySQL 故障 ${mode} [[sim:tps=20,tokens=120]]`
      // The fault comes on the first delta after T1 is in (on a loaded machine T1 can land late), so it
      // always hits the answer's end, never T1.
      let rowIn = false
      let faulted = false
      const r = await readStream(await t.stack.send(user.token, { message: question }), {
        onEvent: (e) => {
          if (e.event === 'meta')
            void rowOf(user.userId, (e.data as { messageId: string }).messageId).then(() => (rowIn = true))
          if (e.event === 'delta' && rowIn && !faulted) {
            faulted = true
            t.proxy.set(mode)
          }
        },
      })
      expect(faulted).toBe(true)
      t.proxy.set('pass')
      expect(r.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed' } })
      expect(answerOf(r.events)).toBe(t.stack.sim.answerFor(question).text)

      const { messageId, conversationId } = metaOf(r.events)
      const next = await readStream(await t.stack.send(user.token, { message: '接着问', conversationId }))
      expect(next.events.at(-1)).toMatchObject({ event: 'done' })

      if (mode === 'cut') {
        // T3 failed while cut and is tried again behind the closed stream (store/retry.ts).
        const metrics = await (await fetch(`${t.stack.url}/metrics`)).text()
        expect(metrics).toMatch(/^vc_store_retries_total\{write="t3"\} [1-9]/m)
      }
      // Whatever T3 managed, the row ends completed with the whole answer (recovery reads the log).
      const row = await t.stack.store.getMessage(user.userId, messageId)
      if (row?.status === 'in_progress') await t.stack.services.recovery.recover(row)
      expect(await t.stack.store.getMessage(user.userId, messageId)).toMatchObject({
        status: 'completed',
        answer: t.stack.sim.answerFor(question).text,
      })
    },
  )

  it('should answer 503 DEPENDENCY_UNAVAILABLE with Retry-After while MySQL is cut, never 500', async () => {
    const user = await t.stack.newUser()
    t.proxy.set('cut')
    try {
      const conversations = await fetch(`${t.stack.url}/api/chat/conversations`, {
        headers: { authorization: `Bearer ${user.token}` },
      })
      expect(conversations.status).toBe(503)
      expect(conversations.headers.get('retry-after')).toBe('5')
      await expect(t.stack.client.createSession({ phone: '13800138000' })).rejects.toMatchObject({
        status: 503,
      })
    } finally {
      t.proxy.set('pass')
    }
  })
})
