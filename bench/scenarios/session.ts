import type { Row } from '../lib/report'
import { log } from '../lib/log'
import type { SessionResult } from '../lib/protocol'
import { collect, type Runner } from './context'

export const sessionScenario: Runner = async (ctx) => {
  const s = ctx.plan.session
  const rows: Row[] = []
  const steps: { concurrency: number; result: SessionResult; serviceCpuPercent: number | null }[] = []
  for (const concurrency of s.steps) {
    log(`  session/create, ${concurrency} in flight`)
    const res = await ctx.loadgen.call<SessionResult>({
      kind: 'session',
      concurrency,
      durationMs: s.durationMs,
      timeoutMs: s.durationMs + 60_000,
    })
    const cpu = ctx.sampler.percent('service', res.window) ?? null
    steps.push({ concurrency, result: res, serviceCpuPercent: cpu })
    const name = `session/create, ${concurrency} in flight`
    const best = concurrency === s.steps.at(-1)
    rows.push(
      {
        scenario: name,
        metric: 'creates/s',
        note: 'signed v1; (a)/(b) have no counterpart',
        unit: '',
        c: res.perSecond,
        // Saturation is the best of the steps: judged once, on the last row.
        ...(best
          ? {
              target: '≥ 3,000/s (best step)',
              pass: Math.max(...steps.map((x) => x.result.perSecond)) >= 3000,
            }
          : {}),
      },
      { scenario: name, metric: 'latency p50', unit: 'ms', c: res.latencyMs.p50 },
      { scenario: name, metric: 'latency p99', unit: 'ms', c: res.latencyMs.p99 },
      { scenario: name, metric: 'service CPU', unit: '%', c: cpu },
    )
  }
  return collect(
    'session',
    steps.map((x) => x.result),
    rows,
    { steps },
  )
}
