/**
 * Everything the service keeps outside its database, from one backend: Redis (shared by every
 * instance: one server, Cluster or Sentinel) or in process (the embedded default, one instance). The
 * features see only these interfaces; the raw Redis client stays in `backends/redis/`.
 */
import type { Bus } from '../core/kv/bus'
import type { Locks } from '../core/kv/locks'
import type { Kv } from '../core/kv/types'
import type { RateStore } from '../limits/types'
import type { StreamSlots } from '../limits/types'
import type { StreamLog, StreamLogOptions } from '../core/streams/types'

export interface Backend {
  readonly kind: 'redis' | 'memory'
  kv: Kv
  /** Each answer's events, for resume on any instance (issue 5). */
  streams: StreamLog
  /** Open streams per user (issue 6); on Redis with an in-process fallback while Redis fails. */
  slots: StreamSlots
  /** The counters of the rate limits (SPEC §2.6). */
  rateStore: RateStore
  locks: Locks
  /** Pub/sub between instances: on Redis the instance's one subscriber connection. */
  bus: Bus
  /** Flushes the stream log, then closes the bus and the kv. */
  close(): Promise<void>
}

export interface BackendOptions {
  prefix: string
  streams?: Partial<StreamLogOptions>
  /** Redis connection errors after start-up (ioredis reconnects by itself). */
  onError?: (error: Error) => void
  /** A stream log write failed (the follower retries; counted and logged by the caller). */
  onStreamLogError?: (err: unknown) => void
  /** Redis failed under the open-stream cap; the in-process slots decided instead. */
  onSlotsFallback?: (err: unknown) => void
}
