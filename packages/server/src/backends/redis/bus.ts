/**
 * The `Bus` on Redis pub/sub: one subscriber connection per instance carries every channel (a
 * cluster-wide one on a Redis Cluster), named `<prefix>:bus` in CLIENT LIST. PUBLISH goes out on the
 * main connection; a plain PUBLISH reaches the subscribers on every cluster node (sharded SPUBLISH
 * would keep it on one shard, but needs a subscriber per shard: not worth it at two channels).
 */
import type { Bus } from '../../core/kv/bus'
import type { RedisKv } from './kv'

interface Channel {
  /** Settles once Redis confirmed the SUBSCRIBE. */
  subscribed: Promise<unknown>
  handlers: Set<(message: string) => void>
  caughtUp: Set<() => void>
}

/** How long a SUBSCRIBE refused on a live connection waits before it is sent again. */
const RESUBSCRIBE_RETRY_MS = 1_000

/** `onError`: a resubscribe after a reconnect failed (retried; until then this instance misses messages). */
export async function openRedisBus(
  kv: RedisKv,
  onError: (err: Error) => void = () => undefined,
): Promise<Bus> {
  const sub = await kv.openSubscriber(kv.key('bus'))
  sub.on('error', () => undefined) // the main connection logs the same outage
  const subscribed = new Map<string, Channel>() // full channel name → its subscribers
  sub.on('message', (channel: string, message: string) => {
    for (const handler of subscribed.get(channel)?.handlers ?? []) handler(message)
  })
  // After each reconnect: subscribe again (ioredis' own resubscribe is off on one server: its promise
  // is left unhandled; a cluster's subscriber resubscribes itself, so this is a harmless repeat there),
  // then let each subscriber catch up on what it missed meanwhile.
  let closed = false
  const resubscribe = () => {
    const names = [...subscribed.keys()]
    if (closed || !names.length) return
    sub.subscribe(...names).then(
      () => {
        for (const name of names) for (const catchUp of subscribed.get(name)?.caughtUp ?? []) catchUp()
      },
      (err: Error) => {
        onError(err)
        // Lost again meanwhile: the next 'ready' tries again. Refused on a live connection: so do we.
        if (!closed && sub.status === 'ready') setTimeout(resubscribe, RESUBSCRIBE_RETRY_MS).unref()
      },
    )
  }
  sub.on('ready', resubscribe)

  return {
    async publish(channel, message) {
      await kv.redis.publish(kv.key(channel), message)
    },
    async subscribe(channel, handler, opts = {}) {
      const name = kv.key(channel)
      let entry = subscribed.get(name)
      if (!entry) {
        entry = { subscribed: sub.subscribe(name), handlers: new Set(), caughtUp: new Set() }
        subscribed.set(name, entry)
      }
      try {
        await entry.subscribed
      } catch (err) {
        if (subscribed.get(name) === entry) subscribed.delete(name)
        throw err
      }
      // Each call gets its own entries: the same function subscribed twice is two subscriptions.
      const onMessage = (message: string) => handler(message)
      const onResubscribed = opts.onResubscribed && (() => opts.onResubscribed!())
      entry.handlers.add(onMessage)
      if (onResubscribed) entry.caughtUp.add(onResubscribed)
      return async () => {
        entry.handlers.delete(onMessage)
        if (onResubscribed) entry.caughtUp.delete(onResubscribed)
        if (entry.handlers.size || subscribed.get(name) !== entry) return
        subscribed.delete(name)
        if (!closed) await sub.unsubscribe(name).catch(() => undefined)
      }
    },
    async close() {
      closed = true
      subscribed.clear()
      sub.disconnect()
    },
  }
}
