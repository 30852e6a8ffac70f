import type { Row } from '../lib/report'
import type { ResumeResult } from '../lib/protocol'
import { collect, type Runner } from './context'

export const resumeScenario: Runner = async (ctx) => {
  const r = ctx.plan.resume
  const res = await ctx.loadgen.call<ResumeResult>({
    kind: 'resume',
    replays: r.replays,
    events: r.events,
    timeoutMs: 120_000,
  })
  const name = `resume: replay ${r.events.toLocaleString('en-US')} events`
  const rows: Row[] = [
    {
      scenario: name,
      metric: 'first event p50',
      note: `${r.replays} replays; Coze has no counterpart`,
      unit: 'ms',
      c: res.firstEventMs.p50,
    },
    { scenario: name, metric: 'full replay p50', unit: 'ms', c: res.fullReplayMs.p50 },
    { scenario: name, metric: 'full replay p99', unit: 'ms', c: res.fullReplayMs.p99 },
  ]
  return collect('resume', [res], rows, { result: res })
}
