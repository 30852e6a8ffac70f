/** The stream log's interface; its two adapters are in `backends/redis` and `backends/memory`. */
export type * from '../core/streams/types'
export { isTerminalEvent } from '../core/streams/types'
