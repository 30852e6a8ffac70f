/**
 * `npm run migrate` as a deployment step, and a service started with `MIGRATE_ON_START=false` that only
 * checks the schema (issue 19 item 6), on the real MariaDB and on a SQLite file.
 */
import { listMigrations } from '../../store/migrations'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../../../test/services'
import { loadConfig } from '../../core/config'
import { openServices } from '../services'
import { main } from './migrate'

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

/** The environment of a deployment on an empty database of `dialect`. */
async function freshEnv(dialect: 'mysql' | 'sqlite'): Promise<Record<string, string>> {
  let url: string
  if (dialect === 'mysql') {
    const db = await createTestDatabase()
    cleanups.push(db.drop)
    url = db.url
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'vc-migrate-cli-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    url = `sqlite:${join(dir, 'chat.db')}`
  }
  return {
    DATABASE_URL: url,
    COZE_BOT_ID: '7379462189365198898',
    COZE_PAT: 'pat_x',
    S2S_KEYS: 'site-a:0123456789abcdef0123',
    USER_ID_SECRET: 'test-user-id-secret',
    AUDIT_KEY: 'test-audit-key-0123456789abcdef',
  }
}

/** Every migration this release knows, in order. */
const ALL = Object.keys(listMigrations('sqlite'))

describe.each(['mysql', 'sqlite'] as const)('on %s', (dialect) => {
  it('should migrate with npm run migrate, then report nothing to do', async () => {
    const env = await freshEnv(dialect)
    const lines: string[] = []
    const print = (line: string) => void lines.push(line)

    expect(await main(['--check'], env, print)).toBe(1) // behind, and --check changes nothing
    expect(await main([], env, print)).toBe(0)
    expect(await main([], env, print)).toBe(0)
    expect(await main(['--check'], env, print)).toBe(0)
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { dialect, ran: [], pending: ALL, newer: [] },
      { dialect, ran: ALL, pending: [], newer: [] },
      { dialect, ran: [], pending: [], newer: [] },
      { dialect, ran: [], pending: [], newer: [] },
    ])
  })

  it('should refuse to start with MIGRATE_ON_START=false on an empty database, and start once migrated', async () => {
    const env = { ...(await freshEnv(dialect)), MIGRATE_ON_START: 'false' }
    const log = pino({ level: 'silent' })
    const config = loadConfig(env)

    const refused = openServices(config, { log })
    await expect(refused).rejects.toThrow(
      /^database schema is behind this release \(missing 0001_create_chat_tables, .*\) and MIGRATE_ON_START=false: run `npm run migrate` with this release first$/,
    )
    // One line for the operator (main.ts prints the stack): no trace.
    const err = await refused.then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.stack).not.toMatch(/\n/)

    expect(await main([], env, () => {})).toBe(0)
    const services = await openServices(config, { log })
    try {
      expect(await services.store.schemaState()).toEqual({ pending: [], newer: [] })
    } finally {
      await services.close()
    }
  })
})
