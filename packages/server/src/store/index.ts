/** Picks the `Store` adapter from `DATABASE_URL` (SPEC §5). */
import { openMysqlStore, type MysqlOptions } from './mysql'
import { openSqliteStore } from './sqlite'
import type { Store } from './types'

export type * from './types'
export { openMysqlStore, openSqliteStore }

/**
 * `mysql://…` → MySQL; `sqlite:<path>` (or `sqlite::memory:`) → SQLite; undefined → SQLite at
 * `defaults.sqlitePath`. Anything else throws. Call `migrate()` on the result.
 *
 * @example
 * const store = await openStore(process.env.DATABASE_URL, { sqlitePath: './data/volcano-chat.db' })
 */
export async function openStore(
  databaseUrl: string | undefined,
  defaults: { sqlitePath: string; mysql?: MysqlOptions },
): Promise<Store> {
  if (databaseUrl === undefined) return openSqliteStore(defaults.sqlitePath)
  if (databaseUrl.startsWith('mysql://')) return openMysqlStore(databaseUrl, defaults.mysql)
  if (databaseUrl.startsWith('sqlite:')) return openSqliteStore(parseSqlitePath(databaseUrl))
  throw new Error(`DATABASE_URL must start with mysql:// or sqlite: (got "${databaseUrl.split(':')[0]}:…")`)
}

/** `sqlite:data/x.db` → `data/x.db`; `sqlite:///abs/x.db` → `/abs/x.db`; `sqlite::memory:` → `:memory:`. */
export function parseSqlitePath(databaseUrl: string): string {
  const path = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
  if (!path) throw new Error('DATABASE_URL sqlite: needs a path, e.g. sqlite:./data/volcano-chat.db')
  return path
}
