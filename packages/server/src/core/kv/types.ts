/**
 * The small key-value surface the service needs from Redis. Two adapters: `backends/redis/kv.ts`
 * (ioredis, shared by all instances) and `backends/memory/kv.ts` (in-process, for the embedded default).
 * Keys are given without the prefix (build them with `keys.ts`); each adapter prepends `${prefix}:`.
 * Both must pass `backends/contract/kv.contract.test.ts`, the Redis one on one server and on a Cluster.
 */
export interface Kv {
  readonly kind: 'redis' | 'memory'
  get(key: string): Promise<string | null>
  /** Sets `key`; with `nx` only when absent (returns false when it existed). `ttlMs` sets an expiry. */
  set(key: string, value: string, opts?: { ttlMs?: number; nx?: boolean }): Promise<boolean>
  /** Deletes keys; returns how many existed. */
  del(...keys: string[]): Promise<number>
  /** Deletes `key` only while it still holds `value` (safe lock release). */
  delIfEquals(key: string, value: string): Promise<boolean>
  /** Remaining time to live in ms: -2 when the key is missing, -1 when it has no expiry. */
  pttl(key: string): Promise<number>
  /** Adds a member to a set; `ttlMs`, when given, (re)sets the whole set's expiry. */
  sadd(key: string, member: string, ttlMs?: number): Promise<void>
  smembers(key: string): Promise<string[]>
  srem(key: string, ...members: string[]): Promise<number>
  /**
   * Adds `member` to a sorted set scored by its expiry (epoch ms), drops the members whose expiry is at or
   * before `now`, and keeps the set itself until its latest member's expiry. Returns the members left.
   */
  zaddExpiring(key: string, member: string, expiresAt: number, now: number): Promise<number>
  /** Members scored `min` ≤ score ≤ `max` (±Infinity for open ends), lowest score first. */
  zrangeByScore(key: string, min: number, max: number): Promise<string[]>
  /** Removes members from a sorted set (one left empty stops existing); returns how many were there. */
  zrem(key: string, ...members: string[]): Promise<number>
  /** Atomic increment; `ttlMs` is applied when the key is created by this call. */
  incr(key: string, ttlMs?: number): Promise<number>
  ping(): Promise<void>
  close(): Promise<void>
}
