/** The in-process backend (SPEC §4 zero-setup default): one instance, nothing shared, nothing to connect. */
import { createKvLocks } from '../../core/kv/locks'
import { createMemoryKv } from './kv'
import type { Backend, BackendOptions } from '../types'
import { createMemoryBus } from './bus'
import { createMemoryRateStore } from './rate-store'
import { createMemoryStreamSlots } from './slots'
import { createMemoryStreamLog } from './streams'

export function createMemoryBackend(o: BackendOptions): Backend {
  const kv = createMemoryKv({ prefix: o.prefix })
  const bus = createMemoryBus()
  const streams = createMemoryStreamLog(o.streams)
  return {
    kind: 'memory',
    kv,
    bus,
    streams,
    slots: createMemoryStreamSlots(),
    rateStore: createMemoryRateStore(),
    locks: createKvLocks(kv),
    async close() {
      await streams.close()
      await bus.close()
      await kv.close()
    },
  }
}
