/**
 * Issue 6, must-show 6, through the operator commands on real MySQL + Redis: export shows one phone's
 * data; erase revokes its sessions and removes its sessions, conversations and messages, leaves other
 * users untouched, and is itself audited. `audit:verify` exits 0 on the resulting chain.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BOT_ID, S2S_KEY, startStack, type Stack } from '../../test/harness'

const run = promisify(execFile)
const cli = (name: string) => fileURLToPath(new URL(`./cli/${name}.ts`, import.meta.url))
const tsx = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url))

let stack: Stack
let env: NodeJS.ProcessEnv
beforeAll(async () => {
  stack = await startStack({ backend: 'mysql' })
  env = {
    PATH: process.env.PATH,
    DATABASE_URL: stack.config.databaseUrl,
    REDIS_URL: stack.config.redisUrl,
    REDIS_PREFIX: stack.config.redisPrefix,
    USER_ID_SECRET: stack.config.userIdSecret,
    AUDIT_KEY: stack.config.audit.key,
    COZE_BOT_ID: BOT_ID,
    COZE_PAT: 'pat_unused_by_commands',
    S2S_KEYS: `${S2S_KEY.id}:${S2S_KEY.secret}`,
    VC_OPERATOR: 'test-operator',
  }
})
afterAll(() => stack?.close())

const command = (name: string, ...args: string[]) => run(tsx, [cli(name), ...args], { env })

async function chattyUser() {
  const user = await stack.newUser()
  const r = await stack.chat(user.token, { message: '请记住我' })
  expect(r.events.at(-1)?.event).toBe('done')
  return user
}

// Five CLI runs, each a fresh tsx process: generous on a busy 2-core machine (a budget, not a speed check).
describe('user-data export / erase', { timeout: 120_000 }, () => {
  it("should erase one phone's sessions, conversations and messages and leave others untouched", async () => {
    const me = await chattyUser()
    const other = await chattyUser()
    await stack.services.audit.flush()

    const exported = JSON.parse((await command('user-data', 'export', me.phone)).stdout)
    expect(exported).toMatchObject({ userId: me.userId, phoneMasked: expect.stringContaining('****') })
    expect([exported.sessions.length, exported.conversations.length, exported.messages.length]).toEqual([
      1, 1, 1,
    ])
    expect(exported.messages[0].question).toBe('请记住我')
    expect(exported.auditEvents.map((e: { action: string }) => e.action)).toContain('chat.end')
    expect(JSON.stringify(exported)).not.toContain(me.phone)

    await expect(command('user-data', 'erase', me.phone)).rejects.toMatchObject({ code: 2 }) // needs --yes
    const erased = JSON.parse((await command('user-data', 'erase', me.phone, '--yes')).stdout)
    expect(erased).toEqual({ sessions: 1, conversations: 1, messages: 1, files: 0, revoked: 1 })

    const mine = await stack.store.exportUserData(me.userId)
    expect([mine.sessions, mine.conversations, mine.messages]).toEqual([[], [], []])
    expect((await stack.send(me.token, { message: 'still there?' })).status).toBe(401)
    const theirs = await stack.store.exportUserData(other.userId)
    expect([theirs.sessions.length, theirs.conversations.length, theirs.messages.length]).toEqual([1, 1, 1])
    expect((await stack.send(other.token, { message: '' })).status).toBe(400) // token still valid

    const audit = await stack.store.listAudit(0, 10_000)
    const ops = audit.filter((r) => r.action.startsWith('data.'))
    expect(ops.map((r) => [r.action, r.userId, r.userAgent])).toEqual([
      ['data.export', me.userId, 'cli (test-operator)'],
      ['data.erase', me.userId, 'cli (test-operator)'],
    ])
    const verified = await command('audit-verify')
    expect(verified.stdout).toMatch(/^audit chain ok: \d+ rows; head \d+ [0-9a-f]{64}/)
  })

  it('should refuse a phone number that is not one', async () => {
    await expect(command('user-data', 'export', '12345')).rejects.toMatchObject({ code: 1 })
  })
})
