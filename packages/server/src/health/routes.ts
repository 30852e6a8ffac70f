/** Liveness and readiness (SPEC §2.5): ready means MySQL, Redis and a Coze credential all work. */
import type { FastifyInstance } from 'fastify'
import type { CozeAuth } from '../coze/auth'
import { VcError } from '../errors'
import type { Kv } from '../kv/types'
import type { Store } from '../store/types'

export interface HealthRoutesOptions {
  store: Store
  kv: Kv
  cozeAuth: CozeAuth
  isDraining?: () => boolean
  /** More named checks; each throws (with the reason as message) when not ok. */
  extraChecks?: Record<string, () => Promise<void>>
}

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ])

export async function healthRoutes(app: FastifyInstance, o: HealthRoutesOptions) {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async () => {
    const check = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await withTimeout(fn(), 2000)
        return [name, 'ok'] as const
      } catch (err) {
        return [name, `down: ${(err as Error).message}`.slice(0, 200)] as const
      }
    }
    const results = await Promise.all([
      check(o.store.dialect === 'mysql' ? 'mysql' : 'sqlite', () => o.store.ping()),
      check(o.kv.kind, () => o.kv.ping()),
      check('coze', async () => {
        await o.cozeAuth.getCredential()
        if (o.cozeAuth.status().refusedAt)
          throw new Error('Coze refused the service credentials on the last call')
      }),
      ...Object.entries(o.extraChecks ?? {}).map(([name, fn]) => check(name, fn)),
    ])
    const checks: Record<string, string> = Object.fromEntries(results)
    const auth = o.cozeAuth.status()
    if (auth.oauthError) checks.cozeOauth = `down: ${auth.oauthError}; using the PAT`
    // A 4101 is one feature missing, not an outage (SPEC §2.7): shown, never a reason to be unready.
    if (auth.forbidden.length) checks.cozePermissions = `not granted: ${auth.forbidden.join(', ')}`
    const down = results.filter(([, v]) => v !== 'ok').map(([k]) => k)
    if (o.isDraining?.()) down.push('draining')
    if (down.length) throw new VcError('VC_ERR_NOT_READY', `Not ready: ${down.join(', ')}`, { checks })
    return { status: 'ready', checks }
  })
}
