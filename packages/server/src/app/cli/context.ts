/**
 * What the operator commands share: configuration from the same environment as the service, the
 * archive (migrated), and an audit log writing into the same chain. Errors end the process non-zero.
 */
import { userInfo } from 'node:os'
import pino from 'pino'
import { createAudit } from '../../audit/audit'
import { chainKeyFrom } from '../../audit/chain'
import { ConfigError, loadConfig, type Config } from '../../core/config'
import { openStore } from '../../store'
import { prepareSchema } from '../../store/migrations'
import type { Store } from '../../store/types'

export async function openCliContext(env: NodeJS.ProcessEnv = process.env) {
  const config: Config = loadConfig(env)
  const log = pino({ level: 'warn' }, pino.destination(2))
  const store: Store = await openStore(config.databaseUrl, {
    sqlitePath: config.sqlitePath,
    mysql: config.mysql,
  })
  await prepareSchema(store, { migrate: config.migrateOnStart, log })
  const chainKey = chainKeyFrom(config.audit.key)
  const audit = createAudit({ store, chainKey, log })
  return {
    config,
    log,
    store,
    audit,
    chainKey,
    /** Who ran the command, for the audit row (the OS user, overridable with VC_OPERATOR). */
    operator: env.VC_OPERATOR ?? userInfo().username,
    async close() {
      await audit.flush()
      await store.close()
    },
  }
}

/** Runs a command's body and exits: 0 on success, its code on failure, 2 for bad configuration. */
export function runCommand(body: () => Promise<number>) {
  body().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof ConfigError) {
        for (const p of err.problems) console.error(`config: ${p}`)
        process.exit(2)
      }
      console.error(`error: ${(err as Error).message}`)
      process.exit(1)
    },
  )
}
