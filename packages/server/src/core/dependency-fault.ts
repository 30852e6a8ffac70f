/**
 * Whether an error is a storage dependency failing (Redis or MySQL unreachable, reset, timed out,
 * refusing writes), as opposed to a bug: the caller answers `503 DEPENDENCY_UNAVAILABLE` with
 * `Retry-After` for these, never `500` (SPEC §6). Judged by the drivers' own codes and names.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  // store/mysql-pool.ts: a bound of the pool tripped (no answer, no free connection, queue full)
  'MYSQL_QUERY_TIMEOUT',
  'MYSQL_ACQUIRE_TIMEOUT',
  'MYSQL_QUEUE_FULL',
  // better-sqlite3 (the embedded default): another writer holds the file
  'SQLITE_BUSY',
])

/** ioredis: no connection, a command that got no answer in time, a server not taking writes now. */
const REDIS_MESSAGES =
  /^(Connection is closed|Command timed out|Stream isn't writeable|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)/

export function isDependencyFault(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true
  if (err.name === 'MaxRetriesPerRequestError') return true
  return REDIS_MESSAGES.test(err.message)
}

/** Seconds a client should wait before trying again after a dependency fault. */
export const DEPENDENCY_RETRY_AFTER_S = 5
