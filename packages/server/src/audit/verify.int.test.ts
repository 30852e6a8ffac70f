/**
 * Issue 20 #5 on real MySQL, through `audit:verify` as an operator runs it: a row rewritten from denied
 * to allowed with the chain rebuilt under the key every export operator could derive (USER_ID_SECRET)
 * fails; a chain cut at the end passes on its own but fails against the head the service exported.
 */
import { execFile } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BOT_ID, S2S_KEY, startStack, type Stack } from '../../test/harness'
import type { AuditRow } from '../store/types'
import { GENESIS, hashOf } from './chain'

const run = promisify(execFile)
const cli = fileURLToPath(new URL('../app/cli/audit-verify.ts', import.meta.url))
const tsx = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url))
const headFile = join(mkdtempSync(join(tmpdir(), 'vc-audit-head-')), 'audit-head.jsonl')

let stack: Stack
let env: NodeJS.ProcessEnv
beforeAll(async () => {
  stack = await startStack({ backend: 'mysql', env: { AUDIT_HEAD_FILE: headFile } })
  env = {
    PATH: process.env.PATH,
    DATABASE_URL: stack.config.databaseUrl,
    USER_ID_SECRET: stack.config.userIdSecret,
    AUDIT_KEY: stack.config.audit.key,
    COZE_BOT_ID: BOT_ID,
    COZE_PAT: 'pat_unused_by_commands',
    S2S_KEYS: `${S2S_KEY.id}:${S2S_KEY.secret}`,
    // Only the service exports heads: the command reads them.
    AUDIT_HEAD_FILE: '',
  }
  const audit = stack.services.audit
  void audit.record({ action: 's2s.denied', outcome: 'denied', reason: 'SIGNATURE_INVALID', keyId: 'k' })
  for (let i = 0; i < 5; i++) void audit.record({ action: 'chat.start', outcome: 'allowed' })
  await audit.flush()
  await stack.services.auditHead.exportNow()
  for (let i = 0; i < 3; i++) void audit.record({ action: 'chat.end', outcome: 'allowed' })
  await audit.flush()
})
afterAll(() => stack?.close())

/** Exit code and output of `audit:verify` (0 when it passes). */
async function verify(...args: string[]) {
  try {
    const { stdout } = await run(tsx, [cli, ...args], { env })
    return { code: 0, out: stdout }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout + e.stderr }
  }
}

async function withMysql<T>(body: (q: (sql: string, values?: unknown[]) => Promise<unknown>) => Promise<T>) {
  const conn = await createConnection(stack.db!.url)
  try {
    return await body((sql, values) => conn.query(sql, values))
  } finally {
    await conn.end()
  }
}

describe('audit:verify', () => {
  it('should pass the chain as written, against its exported head too', async () => {
    expect(await verify()).toMatchObject({ code: 0, out: expect.stringMatching(/audit chain ok: 9 rows/) })
    expect(await verify('--head-file', headFile)).toMatchObject({
      code: 0,
      out: expect.stringMatching(/1 exported heads matched/),
    })
  })

  it('should fail against the exported head once rows are cut from the end', async () => {
    const rows = await stack.store.listAudit(0, 100)
    await withMysql((q) => q('DELETE FROM audit_event WHERE seq > 4'))
    try {
      expect(await verify()).toMatchObject({ code: 0 }) // the chain alone cannot tell
      expect(await verify('--head-file', headFile)).toMatchObject({
        code: 1,
        out: expect.stringMatching(/BROKEN at seq 5: rows are missing: a head was exported at seq 6/),
      })
    } finally {
      await withMysql((q) => restore(q, rows.slice(4)))
    }
  })

  it('should fail once a denied row is rewritten to allowed and the chain rebuilt with the derivable key', async () => {
    // Before issue 20 the chain key was this, derived from USER_ID_SECRET.
    const derivable = createHmac('sha256', stack.config.userIdSecret)
      .update('volcano-chat audit chain v1')
      .digest()
    const rows = await stack.store.listAudit(0, 100)
    const denied = rows.find((r) => r.outcome === 'denied')!
    let prevHash = GENESIS
    const forged = rows.map((r) => {
      const { hash: _, ...fields } = {
        ...r,
        prevHash,
        ...(r.seq === denied.seq && { outcome: 'allowed' as const }),
      }
      const hash = hashOf(derivable, fields)
      prevHash = hash
      return { ...fields, hash }
    })
    await withMysql(async (q) => {
      await q('DELETE FROM audit_event')
      await restore(q, forged)
    })
    try {
      expect(await verify()).toMatchObject({
        code: 1,
        out: expect.stringMatching(/BROKEN at seq 1: row was changed/),
      })
    } finally {
      await withMysql(async (q) => {
        await q('DELETE FROM audit_event')
        await restore(q, rows)
      })
    }
    expect(await verify('--head-file', headFile)).toMatchObject({ code: 0 })
  })
})

/** Puts rows back as they were read (the store has no update: this is the attacker's or the test's SQL). */
async function restore(q: (sql: string, values?: unknown[]) => Promise<unknown>, rows: AuditRow[]) {
  for (const r of rows) {
    await q(
      `INSERT INTO audit_event (id, seq, at, action, outcome, reason, user_id, phone_masked, client_ip,
         user_agent, key_id, request_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      [
        r.id,
        r.seq,
        r.at,
        r.action,
        r.outcome,
        r.reason,
        r.userId,
        r.phoneMasked,
        r.clientIp,
        r.userAgent,
        r.keyId,
        r.requestId,
        r.detail,
        r.prevHash,
        r.hash,
      ],
    )
  }
}
