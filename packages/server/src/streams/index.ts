import type { Kv } from '../kv/types'
import type { RedisKv } from '../kv'
import { createMemoryStreamLog } from './memory'
import { openRedisStreamLog } from './redis'
import type { StreamLog, StreamLogOptions } from './types'

export type * from './types'
export { isTerminalEvent } from './types'

/** The stream log that matches the kv: Redis Streams beside Redis, in-process beside the memory kv. */
export function openStreamLog(
  kv: Kv,
  options: Partial<StreamLogOptions>,
  onError: (err: unknown) => void,
): Promise<StreamLog> {
  return kv.kind === 'redis'
    ? openRedisStreamLog(kv as RedisKv, options, onError)
    : Promise.resolve(createMemoryStreamLog(options))
}
