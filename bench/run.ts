/**
 * `npm run bench`: what the Chat Service adds on top of Coze (issue 8, SPEC §7). Every scenario runs
 * the same load three ways in one run — (a) client → coze-sim, (b) client → nginx (or, with
 * `--proxy node`, the bare Node relay of bench/node-relay.ts) → coze-sim,
 * (c) client → Chat Service (`npm run service`: MariaDB, Redis, limits, metrics, audit) → coze-sim — so
 * the figures are differences on the same noisy machine. The service is pinned to core 0; the load
 * generator (its own process) and the sim to core 1. Prints a Markdown table; writes JSON under
 * bench/results/. Everything is loopback and bounded in count and time. See bench/README.md.
 *
 * This file is the run's order: plan → stack (lib/stack-up.ts) → scenarios (scenarios/*) → report.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { runSuffix } from './lib/infra'
import { fileSize, git, mainThreadProfile, root } from './lib/files'
import { heapMarkdown, type HeapSummary } from './lib/heap'
import { log, startedAt } from './lib/log'
import { HELP, parsePlan, type Plan } from './lib/plan'
import { canPin, grantableNofile, nofileOf, tools } from './lib/procs'
import { profileMarkdown, summariseProfile, type ProfileSummary } from './lib/profile'
import { markdownTable } from './lib/report'
import { round } from './lib/stats'
import { startStack, type Cleanups } from './lib/stack-up'
import { PROXY_NAME, type Ctx, type ScenarioOutcome } from './scenarios/context'
import { SCENARIO_RUNNERS } from './scenarios'

async function main() {
  const plan = readPlan()
  if (typeof plan === 'number') return plan
  const heldCap = fitOpenFiles(plan)
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-'))
  const resultsDir = join(root, 'bench/results')
  mkdirSync(resultsDir, { recursive: true })
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)
  const profileDir = join(resultsDir, `profile-${stamp}`)
  if (plan.heapSnapshot) mkdirSync(profileDir, { recursive: true })
  const cleanups = cleanupsOnSignal()
  const machine = describeMachine(plan, heldCap)

  const outcomes: ScenarioOutcome[] = []
  let profile: ProfileSummary | undefined
  let serviceLog: string | undefined
  try {
    const ctx = await startStack({
      plan,
      suffix: runSuffix(),
      dir,
      profileDir,
      cleanups,
      versions: machine.versions,
    })
    serviceLog = ctx.serviceLogFile
    outcomes.push(...(await runScenarios(ctx, cleanups)))
    await ctx.loadgen.call({ kind: 'exit' }).catch(() => undefined)
  } catch (err) {
    log(`setup failed: ${(err as Error).stack ?? err}`)
    outcomes.push(failed(plan.scenarios[0] ?? 'first-delta', err, `setup: ${(err as Error).message}`))
  } finally {
    const logSize = serviceLog ? fileSize(serviceLog) : 0
    await cleanups.run()
    if (plan.profile) {
      const file = mainThreadProfile(profileDir)
      if (file) profile = summariseProfile(file)
      else log(`no .cpuprofile in ${profileDir} (did the service exit cleanly?)`)
    }
    if (serviceLog) log(`service log: ${logSize} bytes at LOG_LEVEL=${plan.logLevel}`)
    if (plan.keep) log(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
  machine.loadavgEnd = loadavg().map((x) => round(x))
  return report({
    plan,
    machine,
    outcomes,
    profile,
    file: join(resultsDir, `${stamp}-${plan.quick ? 'quick' : 'full'}.json`),
  })
}

function readPlan(): Plan | number {
  try {
    const p = parsePlan(process.argv.slice(2))
    if (p !== 'help') return p
    process.stdout.write(HELP)
    return 0
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${HELP}`)
    return 2
  }
}

/** Each held stream costs the service two descriptors (widget + Coze) and the proxy two as well. */
function fitOpenFiles(plan: Plan): string | undefined {
  const nofile = grantableNofile(plan.nofile)
  if (nofile >= plan.nofile) return undefined
  plan.nofile = nofile
  const max = Math.floor((nofile - 1024) / 2)
  if (!plan.held.steps.some((m) => m > max)) return undefined
  plan.held.steps = [...new Set(plan.held.steps.map((m) => Math.min(m, max)))]
  return `open-file hard limit ${nofile} (not raisable here): held streams capped at ${max.toLocaleString('en-US')}`
}

/** Undone in reverse on the way out, and on Ctrl-C (the run's database, Redis prefix and processes). */
function cleanupsOnSignal(): Cleanups & { interrupted(): boolean } {
  const list: { what: string; fn: () => Promise<unknown> }[] = []
  const run = async () => {
    for (const c of list.splice(0).reverse()) {
      await c.fn().catch((err: Error) => log(`cleanup ${c.what} failed: ${err.message}`))
    }
  }
  let interrupted = false
  const onSignal = () => {
    if (interrupted) return
    interrupted = true
    log('interrupted: cleaning up')
    void run().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return { push: (what, fn) => list.push({ what, fn }), run, interrupted: () => interrupted }
}

type Machine = ReturnType<typeof describeMachine>

function describeMachine(plan: Plan, heldCap: string | undefined) {
  const machine = {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    commit: git(['rev-parse', 'HEAD']),
    dirtyFiles: git(['status', '--porcelain']).split('\n').filter(Boolean).length,
    loadavgStart: loadavg().map((x) => round(x)),
    loadavgEnd: [] as (number | null)[],
    pinned: canPin()
      ? 'service + proxy on core 0; load generator + coze-sim on core 1'
      : 'no (taskset or 2 cores missing)',
    nofileHardLimit: nofileOf('self', 'hard'),
    nofileGiven: plan.nofile,
    heldCap,
    versions: {} as Record<string, string>,
  }
  log(
    `${plan.quick ? 'quick' : 'full'} run of ${plan.scenarios.join(', ')}; ${machine.cores} cores, ` +
      `Node ${machine.node}, load average ${machine.loadavgStart.join(' ')}; pinning: ${machine.pinned}`,
  )
  if (!tools.prlimit) log('prlimit missing: raising the open-file limit with ulimit -n in a shell instead')
  if (heldCap) log(heldCap)
  return machine
}

async function runScenarios(ctx: Ctx, cleanups: { interrupted(): boolean }) {
  const outcomes: ScenarioOutcome[] = []
  for (const name of ctx.plan.scenarios) {
    if (cleanups.interrupted()) break
    log(`scenario ${name}`)
    const started = Date.now()
    const outcome = await SCENARIO_RUNNERS[name](ctx).catch((err: unknown) => failed(name, err))
    outcome.data.seconds = round((Date.now() - started) / 1000, 1)
    outcomes.push(outcome)
    log(
      `scenario ${name}: ${outcome.ok ? 'ok' : `FAILED (${outcome.errors} errors)`} in ${outcome.data.seconds} s` +
        (outcome.errorSamples.length ? `\n    ${outcome.errorSamples.join('\n    ')}` : ''),
    )
    ctx.sim.reset()
  }
  return outcomes
}

/** The harness itself failed (an exception), not the measured system. */
function failed(name: ScenarioOutcome['name'], err: unknown, crashed?: string): ScenarioOutcome {
  const e = err as Error
  return {
    name,
    ok: false,
    crashed: crashed ?? e.stack ?? String(err),
    errors: 1,
    errorSamples: [e.message],
    rows: [],
    data: {},
  }
}

function report(r: {
  plan: Plan
  machine: Machine
  outcomes: ScenarioOutcome[]
  profile: ProfileSummary | undefined
  file: string
}) {
  const { plan, machine, outcomes, profile, file } = r
  const table = markdownTable(
    outcomes.flatMap((o) => o.rows),
    PROXY_NAME[plan.proxy],
  )
  const failedOnes = outcomes.filter((o) => !o.ok)
  const seconds = round((Date.now() - startedAt) / 1000, 1)
  const mode = plan.quick ? 'quick' : 'full'
  const json = {
    mode,
    startedAt: new Date(startedAt).toISOString(),
    seconds,
    machine,
    plan,
    table,
    scenarios: outcomes,
    profile,
  }
  writeFileSync(file, JSON.stringify(json, null, 2) + '\n')
  process.stdout.write(
    `\n## Volcano Chat bench (${mode}) — ${machine.cores} cores, Node ${machine.node}, ` +
      `commit ${machine.commit.slice(0, 10)}${machine.dirtyFiles ? ` (+${machine.dirtyFiles} changed files)` : ''}\n\n` +
      `Load average ${machine.loadavgStart.join(' ')} → ${machine.loadavgEnd.join(' ')}; ${machine.pinned}.\n\n` +
      `${table}\n\n`,
  )
  if (profile) process.stdout.write(`${profileMarkdown(profile)}\n\n`)
  const heap = outcomes.find((o) => o.name === 'held')?.data.heap as HeapSummary | undefined
  if (heap) process.stdout.write(`${heapMarkdown(heap)}\n\n`)
  log(`results: ${file}`)
  log(
    `done in ${seconds} s; ${failedOnes.length ? `${failedOnes.length} scenario(s) with errors: ${failedOnes.map((o) => o.name).join(', ')}` : 'every scenario completed without errors'}`,
  )
  if (plan.quick && (seconds ?? 0) > 60) log(`warning: --quick took ${seconds} s (budget 60 s)`)
  // Quick mode asserts only that everything ran cleanly; a full run's errors are results, not failures,
  // except when the harness itself broke.
  if (plan.quick) return failedOnes.length ? 1 : 0
  return outcomes.some((o) => o.crashed) ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`)
    process.exit(1)
  },
)
