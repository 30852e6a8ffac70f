/** What every scenario gets (the running stack) and the helpers they share. */
import type { ChildProcess } from 'node:child_process'
import type { Proxy } from '../lib/nginx'
import type { Plan, ScenarioName } from '../lib/plan'
import { runQueueWaitMs, type cpuSampler } from '../lib/procs'
import type { Way } from '../lib/protocol'
import type { Row } from '../lib/report'
import { sleep } from '../lib/log'
import type { Loadgen } from '../lib/stack'

export interface ScenarioOutcome {
  name: ScenarioName
  ok: boolean
  /** The harness itself failed (exception) rather than the measured system. */
  crashed?: string
  errors: number
  errorSamples: string[]
  rows: Row[]
  data: Record<string, unknown>
}

/** How way (b) is named in the table and its notes. */
export const PROXY_NAME = { nginx: 'nginx', node: 'node relay' } as const

export interface Ctx {
  profileDir: string
  plan: Plan
  loadgen: Loadgen
  sampler: ReturnType<typeof cpuSampler>
  ways: Way[]
  serviceUrl: string
  servicePid: number
  proxy?: Proxy
  proxySkip?: string
  sim: { proc: ChildProcess; reset(): void }
}

export type Runner = (ctx: Ctx) => Promise<ScenarioOutcome>

export const byWay = <T>(
  ways: Way[],
  results: Partial<Record<Way, T>>,
  pick: (r: T) => number | null | undefined,
) => ({
  a: ways.includes('a') && results.a ? (pick(results.a) ?? null) : undefined,
  b: ways.includes('b') && results.b ? (pick(results.b) ?? null) : undefined,
  c: ways.includes('c') && results.c ? (pick(results.c) ?? null) : undefined,
})

export function collect(
  name: ScenarioName,
  parts: { errors: number; errorSamples: string[] }[],
  rows: Row[],
  data: Record<string, unknown>,
): ScenarioOutcome {
  const errors = parts.reduce((s, p) => s + p.errors, 0)
  const errorSamples = [...new Set(parts.flatMap((p) => p.errorSamples))].slice(0, 6)
  return { name, ok: errors === 0, errors, errorSamples, rows, data }
}

/**
 * The service's own event-loop delay since the previous scrape (prom-client resets its histogram on
 * every scrape): scrape once before a step to reset, once after to read the step's p99 and max, in ms.
 */
export async function loopLag(url: string): Promise<{ p99: number; max: number } | undefined> {
  const text = await fetch(`${url}/metrics`).then(
    (r) => r.text(),
    () => '',
  )
  const read = (name: string) =>
    Number(new RegExp(`^vc_nodejs_eventloop_lag_${name}_seconds (\\S+)`, 'm').exec(text)?.[1])
  const p99 = read('p99')
  const max = read('max')
  return Number.isFinite(p99) ? { p99: p99 * 1000, max: max * 1000 } : undefined
}

/**
 * Share of a step's wall time the service's main thread was ready to run but waiting for a core (other
 * processes, its own helper threads): latency the service's code cannot win back. Call once before
 * the step and once after.
 */
export function cpuWait(pid: number) {
  const start = { at: Date.now(), ms: runQueueWaitMs(pid) }
  return () => {
    const ms = runQueueWaitMs(pid)
    if (ms === undefined || start.ms === undefined) return null
    return ((ms - start.ms) / (Date.now() - start.at)) * 100
  }
}

export const cpuWaitRow = (scenario: string, percent: number | null | undefined): Row => ({
  scenario,
  metric: 'service main thread waiting for a core',
  note: 'share of the step',
  unit: '%',
  c: percent ?? null,
})

/** Until the service runs no answer (a previous step's streams are archived), at most `ms`. */
export async function serviceIdle(url: string, ms = 60_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const text = await fetch(`${url}/metrics`).then(
      (r) => r.text(),
      () => '',
    )
    const m = /^vc_chat_active_streams (\d+)/m.exec(text)
    if (!m || Number(m[1]) === 0 || Date.now() > deadline) return m ? Number(m[1]) : undefined
    await sleep(200)
  }
}
