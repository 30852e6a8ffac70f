/**
 * The `Bus` contract: `memory/bus.test.ts` and `redis/bus.int.test.ts` (one server and
 * a Redis Cluster) call `runBusContract`; vitest never runs this file alone. `open` gives a bus of one
 * more instance of the same deployment each time (the memory one: the same process, so the same bus).
 * Nothing is awaited by time: a message that must not arrive is checked after one that must. Order is
 * not promised: a Redis Cluster client publishes each message through any node.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import type { Bus } from '../../core/kv/bus'

const TRICKY = '火山引擎 𠮷 👩🏽‍💻 "q",\n\u2028'

/** Collects what a subscription hears. */
function ear() {
  const heard: string[] = []
  return { heard, handler: (m: string) => void heard.push(m) }
}

export function runBusContract(name: string, open: () => Promise<Bus>): void {
  describe(`Bus contract (${name})`, () => {
    const channel = () => `test-${randomUUID()}`

    it('should deliver a message, as sent, to every subscriber of its channel on every instance', async () => {
      const [a, b] = [await open(), await open()]
      const [c, other] = [channel(), channel()]
      const [onA, onB, onOther] = [ear(), ear(), ear()]
      await a.subscribe(c, onA.handler)
      await b.subscribe(c, onB.handler)
      await b.subscribe(other, onOther.handler)
      await a.publish(c, TRICKY)
      await vi.waitFor(() => {
        expect(onA.heard).toEqual([TRICKY]) // the publishing instance hears itself too
        expect(onB.heard).toEqual([TRICKY])
      })
      await a.publish(other, 'after')
      await vi.waitFor(() => expect(onOther.heard).toEqual(['after']))
      expect(onB.heard).toEqual([TRICKY])
    })

    it('should deliver every one of many messages (in no promised order: a cluster spreads them)', async () => {
      const [a, b] = [await open(), await open()]
      const c = channel()
      const onB = ear()
      await b.subscribe(c, onB.handler)
      const sent = Array.from({ length: 50 }, (_, i) => `m${i}`)
      await Promise.all(sent.map((m) => a.publish(c, m)))
      await vi.waitFor(() => expect(onB.heard.toSorted()).toEqual(sent.toSorted()))
    })

    it('should stop one subscription on unsubscribe and leave the others on the channel', async () => {
      const [a, b] = [await open(), await open()]
      const c = channel()
      const [first, second] = [ear(), ear()]
      const offFirst = await b.subscribe(c, first.handler)
      const offSecond = await b.subscribe(c, second.handler)
      await offFirst()
      await a.publish(c, 'one')
      await vi.waitFor(() => expect(second.heard).toEqual(['one']))
      await offSecond()
      const marker = channel()
      const onMarker = ear()
      await b.subscribe(marker, onMarker.handler)
      await a.publish(c, 'two')
      await a.publish(marker, 'after two')
      await vi.waitFor(() => expect(onMarker.heard).toEqual(['after two']))
      expect([first.heard, second.heard]).toEqual([[], ['one']])
    })

    it('should treat one handler subscribed twice as two subscriptions', async () => {
      const [a, b] = [await open(), await open()]
      const c = channel()
      const onB = ear()
      const off = await b.subscribe(c, onB.handler)
      await b.subscribe(c, onB.handler)
      await off()
      await a.publish(c, 'x')
      await vi.waitFor(() => expect(onB.heard).toEqual(['x']))
    })
  })
}
