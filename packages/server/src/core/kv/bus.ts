/**
 * Pub/sub between the instances of one deployment (SPEC §6): the stream log's "this message grew" and
 * the revocations. One connection per instance carries every channel (`backends/redis/bus.ts`); the
 * memory backend delivers in process. Channel names are given without the prefix (`channels` in
 * `keys.ts`); the bus prepends `${prefix}:` like the `Kv` does with keys.
 *
 * Delivery is at most once: a message published while an instance's subscriber is reconnecting is lost
 * to it. A subscriber that must not miss one catches up in `onResubscribed`.
 */
export interface Bus {
  /** Sends `message` to every subscriber of `channel` on every instance, this one included. */
  publish(channel: string, message: string): Promise<void>
  /**
   * Calls `handler` with each message on `channel` until the returned unsubscribe is called; resolves
   * once subscribed. `onResubscribed` runs after each reconnect, once the channel is subscribed again.
   *
   * @example
   * const off = await bus.subscribe(channels.sessionsRevoked, (text) => revoked(JSON.parse(text)), {
   *   onResubscribed: () => void recheckHeldSessions(),
   * })
   */
  subscribe(
    channel: string,
    handler: (message: string) => void,
    opts?: { onResubscribed?: () => void },
  ): Promise<() => Promise<void>>
  close(): Promise<void>
}
