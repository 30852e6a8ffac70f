import type { Row } from '../lib/report'
import { round } from '../lib/stats'
import type { TtftResult, Way } from '../lib/protocol'
import { byWay, collect, cpuWait, cpuWaitRow, loopLag, serviceIdle, type Runner } from './context'

export const ttftScenario: Runner = async (ctx) => {
  const t = ctx.plan.ttft
  const results: Partial<Record<Way, TtftResult>> = {}
  const cpu: Partial<Record<Way, number | undefined>> = {}
  let lag: { p99: number; max: number } | undefined
  let waited: number | null | undefined
  for (const way of ctx.ways) {
    const start = Date.now()
    if (way === 'c') await loopLag(ctx.serviceUrl)
    const waiting = way === 'c' ? cpuWait(ctx.servicePid) : undefined
    results[way] = await ctx.loadgen.call<TtftResult>({
      kind: 'ttft',
      way,
      users: t.users,
      durationMs: ctx.plan.durationMs,
      tokens: t.tokens,
      tps: t.tps,
      thinkMs: t.thinkMs,
      timeoutMs: ctx.plan.durationMs + 60_000,
    })
    cpu[way] = ctx.sampler.percent(way === 'c' ? 'service' : way === 'b' ? 'proxy' : 'sim', [
      start,
      Date.now(),
    ])
    if (waiting) waited = waiting()
    if (way === 'c') lag = await loopLag(ctx.serviceUrl)
    if (way === 'c') await serviceIdle(ctx.serviceUrl)
  }
  const s = `added TTFT, ${t.users} users`
  const c = results.c?.ttftMs
  const a = results.a?.ttftMs
  const added = (k: 'p50' | 'p99') => (c && a ? c[k] - a[k] : NaN)
  const rows: Row[] = [
    {
      scenario: s,
      metric: 'TTFT p50',
      note: 'sim TTFT 0',
      unit: 'ms',
      added: true,
      target: '+≤ 3 ms',
      pass: added('p50') <= 3,
      ...byWay(ctx.ways, results, (r) => r.ttftMs.p50),
    },
    {
      scenario: s,
      metric: 'TTFT p90',
      unit: 'ms',
      added: true,
      ...byWay(ctx.ways, results, (r) => r.ttftMs.p90),
    },
    {
      scenario: s,
      metric: 'TTFT p99',
      unit: 'ms',
      added: true,
      target: '+≤ 10 ms',
      pass: added('p99') <= 10,
      ...byWay(ctx.ways, results, (r) => r.ttftMs.p99),
    },
    { scenario: s, metric: 'sends/s', unit: '', ...byWay(ctx.ways, results, (r) => r.sendsPerSecond) },
    {
      scenario: s,
      metric: 'CPU of the middle',
      unit: '%',
      b: ctx.ways.includes('b') ? cpu.b : undefined,
      c: cpu.c,
    },
    {
      scenario: s,
      metric: 'service event-loop delay p99',
      unit: 'ms',
      c: lag?.p99 ?? null,
      note: lag ? `max ${round(lag.max, 0)} ms` : undefined,
    },
    cpuWaitRow(s, waited),
  ]
  return collect('ttft', Object.values(results), rows, {
    results,
    middleCpuPercent: cpu,
    serviceLoopLagMs: lag,
    serviceCpuWaitPercent: waited,
  })
}
