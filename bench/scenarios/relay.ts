import type { Row } from '../lib/report'
import { round } from '../lib/stats'
import { log, sleep } from '../lib/log'
import type { RelayResult, Way } from '../lib/protocol'
import { PROXY_NAME, byWay, collect, cpuWait, cpuWaitRow, loopLag, serviceIdle, type Runner } from './context'

export const relayScenario: Runner = async (ctx) => {
  const r = ctx.plan.relay
  const steps: Record<string, unknown>[] = []
  const rows: Row[] = []
  const parts: RelayResult[] = []
  for (const n of r.steps) {
    const results: Partial<Record<Way, RelayResult>> = {}
    const cpu: Partial<Record<Way, Record<string, number | undefined>>> = {}
    let lag: { p99: number; max: number } | undefined
    let waited: number | null | undefined
    for (const way of ctx.ways) {
      log(`  relay ${n} streams, way ${way}`)
      if (way === 'c') await loopLag(ctx.serviceUrl)
      const waiting = way === 'c' ? cpuWait(ctx.servicePid) : undefined
      const res = await ctx.loadgen.call<RelayResult>({
        kind: 'relay',
        way,
        streams: n,
        tokens: r.tokens,
        tps: r.tps,
        durationMs: ctx.plan.durationMs,
        rampMs: r.rampMs,
        timeoutMs: ctx.plan.durationMs + r.rampMs + (r.tokens / r.tps) * 1000 + 90_000,
      })
      results[way] = res
      parts.push(res)
      if (waiting) waited = waiting()
      if (way === 'c') lag = await loopLag(ctx.serviceUrl)
      cpu[way] = Object.fromEntries(
        ['service', 'proxy', 'sim', 'loadgen', 'redis', 'mysql'].map((g) => [
          g,
          round(ctx.sampler.percent(g, res.window) ?? NaN, 1) ?? undefined,
        ]),
      )
      if (way === 'c') await serviceIdle(ctx.serviceUrl)
      await sleep(500)
    }
    const s = `relay ${n} streams × ${r.tps}/s`
    const cpuOf = (way: Way, group: string) => cpu[way]?.[group] ?? null
    const c = results.c
    const lateAdded = c && results.a ? c.latenessMs.p99 - results.a.latenessMs.p99 : NaN
    const serviceCpuMs = c ? ((cpuOf('c', 'service') ?? NaN) / 100) * ctx.plan.durationMs : NaN
    const usPerEvent = c ? (serviceCpuMs * 1000) / c.eventsInWindow : NaN
    const big = n >= 1000
    // The target is about 1,000 streams at full rate: lateness only counts when the rate was met.
    const fullRate = !!c && c.eventsPerSecond >= 0.95 * c.expectedEventsPerSecond
    rows.push(
      {
        scenario: s,
        metric: 'events/s relayed',
        note: `expected ${(n * r.tps).toLocaleString('en-US')}`,
        unit: '',
        ...byWay(ctx.ways, results, (x) => x.eventsPerSecond),
      },
      {
        scenario: s,
        metric: 'CPU of the middle',
        note: `${PROXY_NAME[ctx.plan.proxy]} / service; 100 % = 1 core`,
        unit: '%',
        b: ctx.ways.includes('b') ? cpuOf('b', 'proxy') : undefined,
        c: cpuOf('c', 'service'),
      },
      {
        scenario: s,
        metric: 'service CPU per event',
        unit: 'µs',
        c: Number.isFinite(usPerEvent) ? usPerEvent : null,
      },
      {
        scenario: s,
        metric: 'service event-loop delay p99',
        unit: 'ms',
        c: lag?.p99 ?? null,
        note: lag ? `max ${round(lag.max, 0)} ms` : undefined,
      },
      cpuWaitRow(s, waited),
      {
        scenario: s,
        metric: 'p99 inter-event lateness',
        unit: 'ms',
        added: true,
        ...(big && { target: '+≤ 10 ms at full rate', pass: fullRate && lateAdded <= 10 }),
        ...byWay(ctx.ways, results, (x) => x.latenessMs.p99),
      },
      {
        scenario: s,
        metric: 'TTFT p99',
        unit: 'ms',
        added: true,
        ...byWay(ctx.ways, results, (x) => x.ttftMs.p99),
      },
      {
        scenario: s,
        metric: 'dropped events / failed streams',
        unit: '',
        ...(big && {
          target: '0, at full rate',
          pass: fullRate && (c?.dropped ?? 1) + (c?.errors ?? 1) === 0,
        }),
        ...byWay(ctx.ways, results, (x) => x.dropped + x.errors),
      },
    )
    steps.push({
      streams: n,
      results,
      cpuPercent: cpu,
      serviceUsPerEvent: round(usPerEvent),
      serviceLoopLagMs: lag,
      serviceCpuWaitPercent: waited,
    })
  }
  return collect('relay', parts, rows, { steps })
}
