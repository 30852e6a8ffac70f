import type { Row } from '../lib/report'
import type { TtftResult, Way } from '../lib/protocol'
import { PROXY_NAME, byWay, collect, serviceIdle, type Runner } from './context'

export const sendRateScenario: Runner = async (ctx) => {
  const u = ctx.plan.sendRate.users
  const results: Partial<Record<Way, TtftResult>> = {}
  const cpu: Partial<Record<Way, number | undefined>> = {}
  for (const way of ctx.ways) {
    const start = Date.now()
    results[way] = await ctx.loadgen.call<TtftResult>({
      kind: 'ttft',
      way,
      users: u,
      durationMs: ctx.plan.durationMs,
      tokens: 1,
      tps: 0,
      thinkMs: 0,
      timeoutMs: ctx.plan.durationMs + 60_000,
    })
    cpu[way] = ctx.sampler.percent(way === 'c' ? 'service' : way === 'b' ? 'proxy' : 'sim', [
      start,
      Date.now(),
    ])
    if (way === 'c') await serviceIdle(ctx.serviceUrl)
  }
  const s = `send rate, ${u} users back to back`
  const cpuPerSend = (way: Way) => {
    const r = results[way]
    const p = cpu[way]
    return r && p !== undefined ? ((p / 100) * 1000) / r.sendsPerSecond : null
  }
  const rows: Row[] = [
    {
      scenario: s,
      metric: 'sends/s',
      note: '1-token answers',
      unit: '',
      ...byWay(ctx.ways, results, (r) => r.sendsPerSecond),
    },
    {
      scenario: s,
      metric: 'CPU per send',
      note: `(a): the sim; (b): ${PROXY_NAME[ctx.plan.proxy]}; (c): the service`,
      unit: 'ms',
      a: cpuPerSend('a'),
      b: ctx.ways.includes('b') ? cpuPerSend('b') : undefined,
      c: cpuPerSend('c'),
    },
    {
      scenario: s,
      metric: 'TTFT p50',
      unit: 'ms',
      added: true,
      ...byWay(ctx.ways, results, (r) => r.ttftMs.p50),
    },
  ]
  return collect('send-rate', Object.values(results), rows, { results, cpuPercent: cpu })
}
