/** MySQL / MariaDB / TiDB adapter: a mysql2 pool under the shared Kysely queries. */
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import type { Database } from './db'
import { createKyselyStore } from './kysely-store'
import { boundPool, type MysqlFaultKind, type PoolState } from './mysql-pool'
import type { Store } from './types'

/** Pool, timeouts and TLS (`MYSQL_POOL_SIZE`, `MYSQL_*_TIMEOUT_MS`, `MYSQL_QUEUE_LIMIT`, `MYSQL_SSL(_CA)`). */
export interface MysqlOptions {
  /** Connections per instance (mysql2's `connectionLimit`; 10 when unset). */
  poolSize?: number
  connectTimeoutMs?: number
  /** Longest wait for a free connection (5 s when unset). */
  acquireTimeoutMs?: number
  /** Requests that may wait for a connection; the next fails at once (200 when unset). */
  queueLimit?: number
  /** Longest wait for one query's answer; the connection is then dropped (5 s when unset). */
  queryTimeoutMs?: number
  /** TLS with the server's certificate verified, against `ca` or the system's CAs. */
  ssl?: { ca?: string; rejectUnauthorized: true }
  /** Metrics: each bound tripped or connection lost, and the pool's state read at each scrape. */
  watch?: { fault(kind: MysqlFaultKind): void; pool(read: () => PoolState): void }
}

/**
 * Opens a pooled `Store` on `url` (`mysql://user:pass@host:3306/db`). Connects lazily; call `migrate()`.
 * The options win over the same settings given as query parameters of the URL.
 *
 * @example
 * const store = await openMysqlStore('mysql://root@127.0.0.1:3306/volcano', { poolSize: 20 })
 * await store.migrate()
 */
export async function openMysqlStore(url: string, o: MysqlOptions = {}): Promise<Store> {
  const size = o.poolSize ?? 10
  const pool = createPool({
    uri: url,
    connectionLimit: size,
    ...(o.connectTimeoutMs !== undefined && { connectTimeout: o.connectTimeoutMs }),
    ...(o.ssl && { ssl: o.ssl }),
    charset: 'utf8mb4',
    // Times are epoch ms in BIGINT columns; 'Z' only keeps any DATETIME the driver sees unambiguous.
    timezone: 'Z',
    // BIGINT as JS numbers (epoch ms fits in 2^53); only values that would lose precision become strings.
    supportBigNumbers: true,
    bigNumberStrings: false,
    // Kysely sends text queries (escaped client-side) and never prepares one; mysql2's default cache of
    // 16,000 prepared statements per connection preallocates ≈ 0.5 MB of arrays on each.
    maxPreparedStatements: 1,
  })
  // Both Kysely instances below end the one pool, once: `close()` destroys both, since Kysely ends a pool
  // only through an instance that was used (a start-up that failed after migrating used only `schemaDb`).
  let ended: Promise<unknown> | undefined
  const endOnce = (cb: (err: unknown) => void) =>
    void (ended ??= new Promise((resolve) => pool.end(resolve))).then(cb)
  const bounded = boundPool(
    pool,
    {
      size,
      queueLimit: o.queueLimit ?? 200,
      acquireTimeoutMs: o.acquireTimeoutMs ?? 5_000,
      queryTimeoutMs: o.queryTimeoutMs ?? 5_000,
    },
    o.watch?.fault,
  )
  o.watch?.pool(bounded.state)
  const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool: { ...bounded, end: endOnce } }) })
  // Migrations go through the same pool unbounded: `get_lock` waits for another instance's migration,
  // and DDL on a large table takes longer than any query timeout.
  const schemaDb = new Kysely<Database>({
    dialect: new MysqlDialect({ pool: { getConnection: (cb) => pool.getConnection(cb), end: endOnce } }),
  })
  return createKyselyStore(db, 'mysql', { schemaDb })
}
