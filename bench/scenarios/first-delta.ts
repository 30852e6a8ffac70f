import type { Row } from '../lib/report'
import type { FirstDeltaResult, Way } from '../lib/protocol'
import { byWay, collect, type Runner } from './context'

export const firstDeltaScenario: Runner = async (ctx) => {
  const { sends, warmup } = ctx.plan.firstDelta
  const results: Partial<Record<Way, FirstDeltaResult>> = {}
  for (const way of ctx.ways) {
    results[way] = await ctx.loadgen.call<FirstDeltaResult>({
      kind: 'first-delta',
      way,
      sends,
      warmup,
      timeoutMs: 120_000,
    })
  }
  const s = 'send → first delta'
  const note = `${sends} sequential, sim TTFT 0`
  const rows: Row[] = [
    {
      scenario: s,
      metric: 'p50',
      note,
      unit: 'ms',
      added: true,
      ...byWay(ctx.ways, results, (r) => r.firstDeltaMs.p50),
    },
    {
      scenario: s,
      metric: 'p99',
      unit: 'ms',
      added: true,
      ...byWay(ctx.ways, results, (r) => r.firstDeltaMs.p99),
    },
  ]
  return collect('first-delta', Object.values(results), rows, { results })
}
