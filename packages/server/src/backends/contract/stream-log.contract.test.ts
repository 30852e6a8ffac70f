/** One behaviour for both stream logs (issue 5): ordered replay, live follow, resume after a seq, retention. */
import { describe, expect, it } from 'vitest'
import type { LoggedEvent, StreamLog, StreamLogOptions } from '../../core/streams/types'

export type OpenLog = (o?: Partial<StreamLogOptions>) => Promise<StreamLog>

const delta = (seq: number, text = `t${seq}`): LoggedEvent => ({ seq, event: 'delta', data: { text } })
const done = (seq: number): LoggedEvent => ({
  seq,
  event: 'done',
  data: { status: 'completed', usage: { inputTokens: 1, outputTokens: 2 } },
})
const id = () => `m-${Math.random().toString(36).slice(2)}`

async function collect(it: AsyncIterable<LoggedEvent>) {
  const out: LoggedEvent[] = []
  for await (const e of it) out.push(e)
  return out
}

export function runStreamLogContract(name: string, open: OpenLog) {
  describe(`StreamLog contract (${name})`, () => {
    it('should replay a finished log in order and end with the terminal event', async () => {
      const log = await open()
      const m = id()
      for (let i = 0; i < 5; i++) log.append(m, delta(i, `第${i}段`))
      log.append(m, done(5))
      await log.flush()
      expect(await log.has(m)).toBe(true)
      expect((await log.read(m)).map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5])
      const got = await collect(log.follow(m, -1, new AbortController().signal))
      expect(got.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5])
      expect(got[2]).toEqual(delta(2, '第2段'))
      await log.close()
    })

    it('should give back every event exactly as appended, whatever its text', async () => {
      const log = await open()
      const m = id()
      const texts = [
        '"quoted" and \\ backslashes \\"',
        'line\nbreak\r\n\ttab',
        '\u2028\u2029 separators, \u0000 nul',
        '😀 表情 👍🏽',
        '\ud800 a lone surrogate',
        '</script><b>',
        '',
      ]
      const events = [...texts.map((t, i) => delta(i, t)), done(texts.length)]
      // The relay hands over the data already serialised; other callers do not.
      events.forEach((e, i) => log.append(m, e, i % 2 ? JSON.stringify(e.data) : undefined))
      await log.flush()
      expect(await log.read(m)).toEqual(events)
      expect(await collect(log.follow(m, -1, new AbortController().signal))).toEqual(events)
      await log.close()
    })

    it('should store the appends of many messages made in one flush window', async () => {
      // On a Redis Cluster these streams live in different slots: one window, many script calls.
      const log = await open()
      const ids = Array.from({ length: 24 }, id)
      for (let i = 0; i < 3; i++) for (const m of ids) log.append(m, delta(i))
      for (const m of ids) log.append(m, done(3))
      await log.flush()
      for (const m of ids) expect((await log.read(m)).map((e) => e.seq)).toEqual([0, 1, 2, 3])
    })

    it('should resume after a seq without duplicates', async () => {
      const log = await open()
      const m = id()
      for (let i = 0; i < 4; i++) log.append(m, delta(i))
      log.append(m, done(4))
      await log.flush()
      expect((await collect(log.follow(m, 2, new AbortController().signal))).map((e) => e.seq)).toEqual([
        3, 4,
      ])
      await log.close()
    })

    it('should follow live appends, including from another instance', async () => {
      const writer = await open()
      const reader = await open()
      const m = id()
      writer.append(m, delta(0))
      await writer.flush()
      const following = collect(reader.follow(m, -1, new AbortController().signal))
      for (let i = 1; i < 50; i++) {
        writer.append(m, delta(i))
        if (i % 7 === 0) await new Promise((r) => setTimeout(r, 5))
      }
      writer.append(m, done(50))
      const got = await following
      expect(got.map((e) => e.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i))
      await writer.close()
      await reader.close()
    })

    it('should stop following when the signal aborts', async () => {
      const log = await open()
      const m = id()
      log.append(m, delta(0))
      await log.flush()
      const ac = new AbortController()
      const following = collect(log.follow(m, -1, ac.signal))
      await new Promise((r) => setTimeout(r, 20))
      ac.abort()
      expect((await following).map((e) => e.seq)).toEqual([0])
      await log.close()
    })

    it('should forget a finished log after the retention time', async () => {
      const log = await open({ retentionMs: 100 })
      const m = id()
      log.append(m, done(0))
      await log.flush()
      expect(await log.has(m)).toBe(true)
      await expect.poll(() => log.has(m), { timeout: 5000, interval: 50 }).toBe(false)
      await log.close()
    })
  })
}
