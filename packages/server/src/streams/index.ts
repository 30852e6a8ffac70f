/** The stream log's interface; its two adapters are in `backends/redis` and `backends/memory`. */
export type * from './types'
export { isTerminalEvent } from './types'
