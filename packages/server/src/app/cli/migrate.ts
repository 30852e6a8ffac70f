/**
 * `npm run migrate`: brings the archive's schema to this release (the deployment step before the new
 * release starts, with `MIGRATE_ON_START=false` on the service). Prints one JSON line: the migrations
 * run now, and any of a newer release found (left alone: expand/contract, `store/migrations/index.ts`).
 * `npm run migrate -- --check` changes nothing: exit 0 if the schema is at least this release's, else 1.
 */
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../../core/config'
import { openStore } from '../../store'
import { runCommand } from './context'

/**
 * The command, configured by `env` alone (`DATABASE_URL`, `SQLITE_PATH`, `MYSQL_*`); returns the exit code.
 *
 * @example
 * const code = await main(['--check'], process.env, console.log)
 */
export async function main(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = console.log,
): Promise<number> {
  const check = args.includes('--check')
  const unknown = args.filter((a) => a !== '--check')
  if (unknown.length > 0) {
    console.error('usage: migrate [--check]')
    return 2
  }
  const config = loadConfig(env)
  const store = await openStore(config.databaseUrl, { sqlitePath: config.sqlitePath, mysql: config.mysql })
  try {
    const state = check ? { ...(await store.schemaState()), ran: [] } : await store.migrate()
    print(JSON.stringify({ dialect: store.dialect, ...state }))
    return state.pending.length > 0 ? 1 : 0
  } finally {
    await store.close()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runCommand(() => main(process.argv.slice(2)))
