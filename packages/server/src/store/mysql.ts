/** MySQL / MariaDB / TiDB adapter: a mysql2 pool under the shared Kysely queries. */
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import type { Database } from './db'
import { createKyselyStore } from './kysely-store'
import type { Store } from './types'

/** Pool and TLS settings (`MYSQL_POOL_SIZE`, `MYSQL_CONNECT_TIMEOUT_MS`, `MYSQL_SSL(_CA)`). */
export interface MysqlOptions {
  /** Connections per instance (mysql2's `connectionLimit`; its default, 10, when unset). */
  poolSize?: number
  connectTimeoutMs?: number
  /** TLS with the server's certificate verified, against `ca` or the system's CAs. */
  ssl?: { ca?: string; rejectUnauthorized: true }
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
  const pool = createPool({
    uri: url,
    ...(o.poolSize !== undefined && { connectionLimit: o.poolSize }),
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
  return createKyselyStore(new Kysely<Database>({ dialect: new MysqlDialect({ pool }) }), 'mysql')
}
