/**
 * Liveness and readiness (SPEC §2.5; issue 19). Ready means "send this pod traffic": it fails only for
 * what is this pod's own (draining, a lagging event loop), never for a dependency every pod shares — a
 * MySQL, Redis or Coze blip would otherwise take every pod out of the load balancer at once, and the
 * requests that could still be answered (resumes from the log, history, a 503 with Retry-After) with
 * them. Dependencies are reported in detail in the body either way.
 */
import { performance } from 'node:perf_hooks'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { CozeAuth } from '../core/coze/auth'
import { VcError } from '../core/errors'
import type { Kv } from '../core/kv/types'
import type { ArchiveLifecycle } from '../store/types'

export interface HealthRoutesOptions {
  store: Pick<ArchiveLifecycle, 'dialect' | 'ping'>
  kv: Kv
  cozeAuth: CozeAuth
  isDraining?: () => boolean
  /** Whether this caller may see the checks (operators' addresses); others get the status alone. */
  showChecks?: (request: FastifyRequest) => boolean
  /** More named checks; each throws (with the reason as message) when not ok. Reported, never fatal. */
  extraChecks?: Record<string, () => Promise<void>>
  /** Event-loop delay over which this pod is not ready (default 1 s). */
  maxEventLoopLagMs?: number
}

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ])

export async function healthRoutes(app: FastifyInstance, o: HealthRoutesOptions) {
  const lag = watchEventLoop()
  app.addHook('onClose', async () => lag.stop())
  const maxLagMs = o.maxEventLoopLagMs ?? 1000

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (request) => {
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
    const lagMs = Math.round(lag.delayMs())
    checks.eventLoop = lagMs > maxLagMs ? `down: ${lagMs} ms behind` : 'ok'
    checks.draining = o.isDraining?.() ? 'yes' : 'no'
    const unready = [...(lagMs > maxLagMs ? ['eventLoop'] : []), ...(o.isDraining?.() ? ['draining'] : [])]
    const shown = (o.showChecks?.(request) ?? true) ? { checks } : undefined
    if (unready.length) throw new VcError('VC_ERR_NOT_READY', `Not ready: ${unready.join(', ')}`, shown)
    const degraded = results.some(([, v]) => v !== 'ok')
    return { status: degraded ? 'degraded' : 'ready', ...shown }
  })
}

/** How late the event loop runs: the largest timer delay over the last ~5 s, or the current one. */
function watchEventLoop(everyMs = 500, samples = 10) {
  const late: number[] = []
  let due = performance.now() + everyMs
  const timer = setInterval(() => {
    const now = performance.now()
    late.push(Math.max(0, now - due))
    if (late.length > samples) late.shift()
    due = now + everyMs
  }, everyMs)
  timer.unref()
  return {
    delayMs: () => Math.max(0, performance.now() - due, ...late),
    stop: () => clearInterval(timer),
  }
}
