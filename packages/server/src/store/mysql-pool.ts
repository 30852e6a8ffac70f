/**
 * The mysql2 pool as Kysely sees it, with the bounds mysql2 3.x does not have (issue 19): a wait for a
 * connection that ends after `acquireTimeoutMs`, at most `queueLimit` requests waiting (the next one
 * fails at once instead of hanging), and a client-side timer on every query. A stalled network never
 * answers, so only a timer here ends the wait — a server-side `max_statement_time` would never be heard.
 * A query that timed out destroys its connection: the reply may still come, and must never reach the
 * connection's next user; the pool opens a fresh one.
 */
import type { MysqlPool, MysqlPoolConnection } from 'kysely'
import type { Pool, PoolConnection } from 'mysql2'
import { isDependencyFault } from '../core/dependency-fault'
import type { MysqlFaultKind, PoolState } from './types'

export type { MysqlFaultKind, PoolState }

/** The bounds, from `MYSQL_POOL_SIZE`, `MYSQL_QUEUE_LIMIT`, `MYSQL_ACQUIRE_TIMEOUT_MS`, `MYSQL_QUERY_TIMEOUT_MS`. */
export interface PoolBounds {
  size: number
  queueLimit: number
  acquireTimeoutMs: number
  queryTimeoutMs: number
}

const CODES = {
  acquire_timeout: 'MYSQL_ACQUIRE_TIMEOUT',
  queue_full: 'MYSQL_QUEUE_FULL',
  query_timeout: 'MYSQL_QUERY_TIMEOUT',
} as const

/** A bound tripped; its `code` is one `isDependencyFault` knows, so the request answers 503. */
export class MysqlBoundError extends Error {
  readonly code: (typeof CODES)[keyof typeof CODES]
  constructor(kind: keyof typeof CODES, message: string) {
    super(message)
    this.name = 'MysqlBoundError'
    this.code = CODES[kind]
  }
}

type Callback = (error: unknown, connection: MysqlPoolConnection) => void

/** mysql2's socket (untyped): `destroy()` on the connection only half-closes it, which a dead peer never acks. */
const socketOf = (raw: PoolConnection) => (raw as unknown as { stream?: { destroy(): void } }).stream

/**
 * @example
 * const pool = boundPool(createPool({ uri, connectionLimit: 10 }), bounds, (kind) => metrics.mysqlError(kind))
 * const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) })
 */
export function boundPool(
  pool: Pool,
  b: PoolBounds,
  onFault: (kind: MysqlFaultKind) => void = () => {},
): MysqlPool & { state(): PoolState } {
  let inUse = 0
  let queued = 0
  // One wrapper per mysql2 connection, so Kysely's own per-connection cache keeps working.
  const leases = new WeakMap<PoolConnection, { held: boolean; connection: MysqlPoolConnection }>()

  function fail(cb: Callback, kind: keyof typeof CODES, message: string) {
    onFault(kind)
    cb(new MysqlBoundError(kind, message), undefined as never)
  }

  function lend(raw: PoolConnection): MysqlPoolConnection {
    let lease = leases.get(raw)
    if (!lease) {
      const l = { held: false, connection: undefined as unknown as MysqlPoolConnection }
      l.connection = {
        query: ((sql: string, parameters: unknown[], cb?: (e: unknown, r: unknown) => void) =>
          cb
            ? timedQuery(raw, sql, parameters, cb)
            : raw.query(sql, parameters)) as MysqlPoolConnection['query'],
        release() {
          if (!l.held) return
          l.held = false
          inUse--
          raw.release() // a no-op once destroyed
        },
      }
      leases.set(raw, (lease = l))
    }
    lease.held = true
    inUse++
    return lease.connection
  }

  function timedQuery(
    raw: PoolConnection,
    sql: string,
    parameters: unknown[],
    cb: (e: unknown, r: unknown) => void,
  ) {
    let pending = true
    const timer = setTimeout(() => {
      pending = false
      // Out of the pool first, then the socket: a late reply finds no one, a stalled one is not waited for.
      raw.destroy()
      socketOf(raw)?.destroy()
      fail(cb, 'query_timeout', `MySQL did not answer a query within ${b.queryTimeoutMs} ms`)
    }, b.queryTimeoutMs)
    raw.query(sql, parameters, (err: unknown, result: unknown) => {
      if (!pending) return
      pending = false
      clearTimeout(timer)
      if (err && isDependencyFault(err)) onFault('connection')
      cb(err, result)
    })
  }

  function getConnection(cb: Callback) {
    if (inUse + queued >= b.size + b.queueLimit) {
      return fail(cb, 'queue_full', `MySQL pool busy: ${b.size} in use and ${b.queueLimit} waiting`)
    }
    queued++
    let waiting = true
    const timer = setTimeout(() => {
      waiting = false
      queued--
      fail(cb, 'acquire_timeout', `no MySQL connection free within ${b.acquireTimeoutMs} ms`)
    }, b.acquireTimeoutMs)
    pool.getConnection((err, raw) => {
      if (!waiting) {
        if (!err) raw.release() // came after its caller gave up: straight to the next in line
        return
      }
      waiting = false
      queued--
      clearTimeout(timer)
      if (err) {
        if (isDependencyFault(err)) onFault('connection')
        return cb(err, undefined as never)
      }
      cb(null, lend(raw))
    })
  }

  return {
    getConnection,
    end: (cb) => pool.end(cb),
    state: () => ({ inUse, queued, size: b.size }),
  }
}
