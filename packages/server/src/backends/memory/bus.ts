/** The `Bus` in process (the embedded default is one instance): delivered on a later microtask, like Redis. */
import type { Bus } from '../../core/kv/bus'

export function createMemoryBus(): Bus {
  const subscribed = new Map<string, Set<(message: string) => void>>()
  let closed = false
  return {
    async publish(channel, message) {
      if (closed) throw new Error('Bus is closed')
      for (const handler of subscribed.get(channel) ?? []) queueMicrotask(() => handler(message))
    },
    async subscribe(channel, handler) {
      // Never reconnects, so it never needs to catch up: `onResubscribed` is not called.
      const onMessage = (message: string) => handler(message)
      const handlers = subscribed.get(channel) ?? new Set()
      subscribed.set(channel, handlers.add(onMessage))
      return async () => {
        handlers.delete(onMessage)
        if (!handlers.size && subscribed.get(channel) === handlers) subscribed.delete(channel)
      }
    },
    async close() {
      closed = true
      subscribed.clear()
    },
  }
}
