/**
 * The limits' declared interface: the stores it counts in, implemented by every backend
 * (`backends/redis`, `backends/memory`; contract suites in `backends/contract/`). Other features import
 * this file only, and only types.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible'

/**
 * Where the fixed-window counters of `limiter.ts` live: Redis (shared by every instance) or in process
 * (the embedded default).
 */
export interface RateStore {
  /** Whether instances share one count (Redis). False in process: each instance counts alone. */
  readonly shared: boolean
  /** Whether the store answers right now (always in process). */
  reachable(): boolean
  /** A rate-limiter-flexible limiter counting `points` per `durationSeconds` under the limit's name. */
  limiter(o: { name: string; points: number; durationSeconds: number }): RateLimiterAbstract
}

/** A slot an open stream holds. */
export interface HeldSlot {
  readonly userId: string
  readonly slot: string
}

/**
 * Concurrent open streams per user (issue 6). A slot is a member of a per-user sorted set scored by its
 * expiry; an open stream refreshes its slot, and a crashed instance's slots simply expire
 * (`SLOT_TTL_MS`, core/kv/slots.ts), so a crash never locks a user out for longer than that. Redis is
 * the shared truth; when it fails, an in-process set takes over (`backends/slots-fallback.ts`).
 */
export interface StreamSlots {
  /** Takes a slot for `userId` unless `cap` are open; returns its id, or undefined when at the cap. */
  acquire(userId: string, cap: number): Promise<string | undefined>
  /**
   * Keeps slots alive while their streams are open; released ones stay released. All of an instance's
   * slots at once: at 10,000 held streams that is 20 script calls per tick, not 10,000 (issue 8). On a
   * Redis Cluster a script touches one slot, so it is one call per slot in use, auto-pipelined per node.
   */
  refresh(held: Iterable<HeldSlot>): Promise<void>
  release(userId: string, slot: string): Promise<void>
  /** Open slots of a user (tests, metrics). */
  count(userId: string): Promise<number>
}
