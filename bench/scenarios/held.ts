import type { Row } from '../lib/report'
import { round } from '../lib/stats'
import { log, sleep } from '../lib/log'
import type { HeldCloseResult, HeldMarkResult, HeldOpenResult, Way } from '../lib/protocol'
import { collect, serviceIdle, type Runner } from './context'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { diffHeap, type HeapSummary } from '../lib/heap'
import { fileSize } from '../lib/files'
import { rssKb } from '../lib/procs'

export const heldScenario: Runner = async (ctx) => {
  const h = ctx.plan.held
  const rows: Row[] = []
  const parts: { errors: number; errorSamples: string[] }[] = []
  const steps: Record<string, unknown>[] = []
  const middle = (way: Way): number[] =>
    way === 'c' ? [ctx.servicePid] : way === 'b' ? (ctx.proxy?.workers() ?? []) : [ctx.sim.proc.pid!]
  const rss = (pids: number[]) => pids.reduce((s, pid) => s + (rssKb(pid) ?? 0), 0)
  let heap: HeapSummary | undefined
  for (const m of h.steps) {
    const perWay: Partial<Record<Way, Record<string, number | null | undefined>>> = {}
    const raw: Partial<Record<Way, unknown>> = {}
    for (const way of ctx.ways) {
      log(`  held ${m} streams, way ${way}`)
      const pids = middle(way)
      const snapshotting = ctx.plan.heapSnapshot && way === 'c' && m === Math.max(...h.steps)
      const baseline = snapshotting ? await heapSnapshot(ctx.servicePid, ctx.profileDir) : undefined
      const before = rss(pids)
      const open = await ctx.loadgen.call<HeldOpenResult>({
        kind: 'held-open',
        way,
        streams: m,
        concurrency: h.concurrency,
        timeoutMs: ctx.plan.quick ? 20_000 : 120_000,
      })
      parts.push(open)
      await sleep(1000)
      const m0 = await ctx.loadgen.call<HeldMarkResult>({ kind: 'held-mark' })
      const rssHeld = rss(pids)
      // Right after the opening burst RSS still holds its garbage; the lowest reading during the hold
      // (after V8 collected it) is the streams' own cost.
      let rssLow = rssHeld
      for (const end = Date.now() + h.holdMs; Date.now() < end;) {
        await sleep(Math.min(500, end - Date.now()))
        rssLow = Math.min(rssLow, rss(pids) || rssLow)
      }
      const m1 = await ctx.loadgen.call<HeldMarkResult>({ kind: 'held-mark' })
      const window: [number, number] = [m0.at, m1.at]
      const group = way === 'c' ? 'service' : way === 'b' ? 'proxy' : 'sim'
      const cpuPct = ctx.sampler.percent(group, window)
      const cpuMs = ctx.sampler.used(group, window)
      if (snapshotting && baseline) {
        const snap = await heapSnapshot(ctx.servicePid, ctx.profileDir)
        if (snap) heap = diffHeap(baseline, snap, open.opened + open.waiting)
      }
      const close = await ctx.loadgen.call<HeldCloseResult>({
        kind: 'held-close',
        timeoutMs: ctx.plan.quick ? 15_000 : 60_000,
      })
      parts.push(close)
      const busy = way === 'c' ? await serviceIdle(ctx.serviceUrl) : 0
      if (busy)
        parts.push({
          errors: 1,
          errorSamples: [`${busy} answers still running 60 s after the held streams were cancelled`],
        })
      const pings = m1.pings - m0.pings
      // Per connection the client holds: one still queued at the target costs memory there too.
      const connections = open.opened + open.waiting
      perWay[way] = {
        opened: open.opened,
        rssPerStreamKb: connections ? (rssHeld - before) / connections : null,
        rssLowPerStreamKb: connections ? (rssLow - before) / connections : null,
        idleCpuPercent: cpuPct,
        // Idle cost of one held connection: heartbeats, slot refreshes, timers (µs of CPU per second).
        cpuUsPerStreamSecond:
          connections && cpuMs !== undefined
            ? (cpuMs * 1000) / ((window[1] - window[0]) / 1000) / connections
            : null,
        pingsPerSecond: pings / ((window[1] - window[0]) / 1000),
        pings,
      }
      raw[way] = {
        open,
        close,
        marks: [m0, m1],
        rssBeforeKb: before,
        rssHeldKb: rssHeld,
        rssLowKb: rssLow,
        cpuPercent: cpuPct,
        group,
      }
      await sleep(500)
    }
    const s = `held ${m.toLocaleString('en-US')} idle streams`
    const pick = (k: string) => ({
      a: perWay.a?.[k] ?? undefined,
      b: perWay.b?.[k] ?? undefined,
      c: perWay.c?.[k] ?? undefined,
    })
    const cRss = perWay.c?.rssLowPerStreamKb
    const big = m === Math.max(...h.steps)
    rows.push(
      {
        scenario: s,
        metric: 'streams open',
        unit: '',
        ...pick('opened'),
        ...(big && {
          target: m >= 10_000 ? '10,000' : `10,000 (this machine: ${m})`,
          pass: m >= 10_000 ? perWay.c?.opened === m : undefined,
        }),
      },
      {
        scenario: s,
        metric: 'RSS per held connection, 1 s after the last opened',
        note: '(a): the sim’s own',
        unit: 'KB',
        ...pick('rssPerStreamKb'),
      },
      {
        scenario: s,
        metric: 'RSS per held connection, lowest during the hold',
        unit: 'KB',
        ...pick('rssLowPerStreamKb'),
        ...(big && { target: '≤ 20 KB', pass: typeof cRss === 'number' && cRss <= 20 }),
      },
      {
        scenario: s,
        metric: 'idle CPU (heartbeats, timers)',
        note: `over ${round(h.holdMs / 1000, 1)} s`,
        unit: '%',
        ...pick('idleCpuPercent'),
      },
      {
        scenario: s,
        metric: 'idle CPU per held connection',
        unit: 'µs/s',
        b: perWay.b?.cpuUsPerStreamSecond ?? undefined,
        c: perWay.c?.cpuUsPerStreamSecond ?? null,
      },
      {
        scenario: s,
        metric: '`: ping` heartbeats received',
        unit: '/s',
        c: perWay.c?.pingsPerSecond ?? null,
      },
    )
    steps.push({ streams: m, summary: perWay, raw })
  }
  return collect('held', parts, rows, { steps, holdMs: h.holdMs, heap })
}

/** SIGUSR2 (--heapsnapshot-signal) and the file once its size stops changing; bounded to 120 s. */
async function heapSnapshot(pid: number, dirPath: string): Promise<string | undefined> {
  const before = new Set(listSnapshots(dirPath))
  process.kill(pid, 'SIGUSR2')
  let last = -1
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    await sleep(1000)
    const file = listSnapshots(dirPath).find((f) => !before.has(f))
    if (!file) continue
    const size = fileSize(file)
    if (size > 0 && size === last) return file
    last = size
  }
  log('no heap snapshot appeared within 120 s')
  return undefined
}

function listSnapshots(dirPath: string) {
  try {
    return readdirSync(dirPath)
      .filter((f) => f.endsWith('.heapsnapshot'))
      .map((f) => join(dirPath, f))
  } catch {
    return []
  }
}
