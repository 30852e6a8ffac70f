/** MySQL / MariaDB / TiDB adapter: a mysql2 pool under the shared Kysely queries. */
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import type { Database } from './db'
import { createKyselyStore } from './kysely-store'
import type { Store } from './types'

/**
 * Opens a pooled `Store` on `url` (`mysql://user:pass@host:3306/db`). Connects lazily; call `migrate()`.
 *
 * @example
 * const store = await openMysqlStore('mysql://root@127.0.0.1:3306/volcano')
 * await store.migrate()
 */
export async function openMysqlStore(url: string): Promise<Store> {
  const pool = createPool({
    uri: url,
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
