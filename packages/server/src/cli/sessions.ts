/** Live sessions for operator commands: the same Kv the service uses, so erasure revokes at once. */
import { openRevocations } from '../identity/revocations'
import { createSessions } from '../identity/sessions'
import { openKv } from '../kv'
import type { openCliContext } from './context'

export async function openSessionsForCli(ctx: Awaited<ReturnType<typeof openCliContext>>) {
  const { config } = ctx
  if (!config.redis) ctx.log.warn('Redis not configured: no live sessions to revoke from here')
  const kv = await openKv({ connection: config.redis, prefix: config.redisPrefix })
  // An erasure also ends what the user has open on the running instances (issue 20 #7).
  const revocations = await openRevocations({ kv, store: ctx.store, log: ctx.log })
  const sessions = createSessions({
    kv,
    store: ctx.store,
    userIdSecret: config.userIdSecret,
    cozeUserIdMode: config.coze.userIdMode,
    defaultTtlSeconds: config.sessionTtlSeconds,
    revocations,
  })
  const close = async () => {
    await revocations.close()
    await kv.close()
  }
  return { revoke: sessions.revoke, close }
}
