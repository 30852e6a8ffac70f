/** Live sessions for operator commands: the same Kv the service uses, so erasure revokes at once. */
import { openBackend } from '../../backends'
import { openRevocations } from '../../identity/revocations'
import { createSessions } from '../../identity/sessions'
import type { openCliContext } from './context'

export async function openSessionsForCli(ctx: Awaited<ReturnType<typeof openCliContext>>) {
  const { config } = ctx
  if (!config.redis) ctx.log.warn('Redis not configured: no live sessions to revoke from here')
  const backend = await openBackend(config)
  const { kv } = backend
  // An erasure also ends what the user has open on the running instances (issue 20 #7).
  const revocations = await openRevocations({ kv, bus: backend.bus, store: ctx.store, log: ctx.log })
  const sessions = createSessions({
    kv,
    store: ctx.store,
    userIdSecret: config.userIdSecret,
    cozeUserIdMode: config.coze.userIdMode,
    defaultTtlSeconds: config.sessionTtlSeconds,
    revocations,
    log: ctx.log,
  })
  const close = async () => {
    await revocations.close()
    await backend.close()
  }
  return { revoke: sessions.revoke, close }
}
