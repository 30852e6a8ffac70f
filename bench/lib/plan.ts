/** Command-line options of `npm run bench` and the plan of each scenario they produce. */
import { parseArgs } from 'node:util'

export const SCENARIOS = ['first-delta', 'ttft', 'send-rate', 'relay', 'session', 'resume', 'held'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

export const HELP = `Usage: npm run bench -- [options]

Measures what the Chat Service adds on top of Coze: every scenario runs the same load three ways,
(a) straight to coze-sim, (b) through nginx (proxy_pass, buffering off), (c) through the Chat Service
(npm run service on MariaDB + Redis, everything on). See bench/README.md.

Options:
  --quick              small counts and 2 s steps (≤ 60 s in all); exits non-zero if any scenario
                       had an error
  --scenario <list>    comma-separated subset of: ${SCENARIOS.join(', ')}
  --scale <x>          multiply every count (users, streams, held streams) by x (default 1)
  --duration <s>       seconds of each measured step (default 20; quick 2)
  --profile            run the service with --cpu-prof; print its hottest functions at the end
  --heap-snapshot      while the service holds the most idle streams, write a heap snapshot and
                       print what fills the heap per stream
  --no-nginx           skip way (b)
  --proxy <nginx|node> what way (b) is: nginx (default), or node, a bare fastify + undici relay that
                       only passes bytes through (the floor a Node relay cannot go below)
  --no-install         never apt-get install nginx (way (b) is skipped when it is missing)
  --log-level <level>  the service's LOG_LEVEL (default info, as in production)
  --node-args=<flags>  extra flags for the service's node, e.g. --node-args=--trace-gc (stdout goes to
                       the service log) or "--inspect=127.0.0.1:9229" (to sample allocations)
  --held <list>        the held-stream steps, e.g. --held 10000 (one step on a fresh service: its RSS
                       is not inflated by an earlier step's heap); capped by the open-file limit
  --streams <list>     the relay steps (concurrent streams at 20 tokens/s), e.g. --streams 1000
  --keep               keep the run's directory (service.log, nginx files) and print where it is
  --help               this text
`

export interface Plan {
  quick: boolean
  scenarios: ScenarioName[]
  scale: number
  durationMs: number
  profile: boolean
  heapSnapshot: boolean
  nginx: boolean
  /** Way (b): nginx, or the bare Node relay (bench/node-relay.ts). */
  proxy: 'nginx' | 'node'
  installNginx: boolean
  logLevel: string
  /** Extra node flags for the service process (diagnostics only). */
  nodeArgs: string[]
  keep: boolean
  firstDelta: { sends: number; warmup: number }
  ttft: { users: number; tokens: number; tps: number; thinkMs: number }
  sendRate: { users: number }
  relay: { steps: number[]; tps: number; tokens: number; rampMs: number }
  held: { steps: number[]; holdMs: number; concurrency: number }
  /** Requests in flight, stepped up: saturation is the best step, not a guess at one concurrency. */
  session: { steps: number[]; durationMs: number }
  resume: { replays: number; events: number }
  /** Open-file limit given to every process the bench starts. */
  nofile: number
}

export function parsePlan(argv: string[]): Plan | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      scenario: { type: 'string' },
      scale: { type: 'string' },
      duration: { type: 'string' },
      profile: { type: 'boolean' },
      'heap-snapshot': { type: 'boolean' },
      'no-nginx': { type: 'boolean' },
      'no-install': { type: 'boolean' },
      proxy: { type: 'string' },
      'log-level': { type: 'string' },
      'node-args': { type: 'string' },
      keep: { type: 'boolean' },
      held: { type: 'string' },
      streams: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  })
  if (values.help) return 'help'
  const quick = !!values.quick
  const scale = values.scale === undefined ? 1 : Number(values.scale)
  if (!(scale > 0 && scale <= 10)) throw new Error(`--scale must be in (0, 10], got ${values.scale}`)
  const seconds = values.duration === undefined ? (quick ? 2 : 20) : Number(values.duration)
  if (!(seconds >= 1 && seconds <= 600)) throw new Error(`--duration must be 1–600 s, got ${values.duration}`)
  const scenarios = (values.scenario?.split(',').map((s) => s.trim()) ?? [...SCENARIOS]) as ScenarioName[]
  for (const s of scenarios) {
    if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario "${s}" (one of ${SCENARIOS.join(', ')})`)
  }
  const proxy = values.proxy ?? 'nginx'
  if (proxy !== 'nginx' && proxy !== 'node') throw new Error(`--proxy is nginx or node, got ${proxy}`)
  const n = (count: number) => Math.max(1, Math.round(count * scale))
  const durationMs = seconds * 1000
  const held = steps('held', values.held) ?? (quick ? [200] : [1000, 5000, 10_000]).map(n)
  const relaySteps = steps('streams', values.streams) ?? (quick ? [100] : [250, 500, 1000, 1500]).map(n)
  return {
    quick,
    scenarios: SCENARIOS.filter((s) => scenarios.includes(s)),
    scale,
    durationMs,
    profile: !!values.profile,
    heapSnapshot: !!values['heap-snapshot'],
    nginx: !values['no-nginx'],
    proxy,
    installNginx: !values['no-install'],
    logLevel: values['log-level'] ?? 'info',
    nodeArgs: values['node-args']?.split(' ').filter(Boolean) ?? [],
    keep: !!values.keep,
    firstDelta: { sends: quick ? 30 : 200, warmup: quick ? 3 : 20 },
    // Users read each answer (20 tokens at 20/s, about 1 s) and think up to 100 ms before the next.
    ttft: { users: n(quick ? 20 : 100), tokens: 20, tps: 20, thinkMs: 100 },
    // Back-to-back one-token answers: what one send costs, with next to no relaying.
    sendRate: { users: n(quick ? 10 : 50) },
    relay: {
      steps: relaySteps,
      tps: 20,
      tokens: quick ? 30 : 100,
      rampMs: quick ? 500 : 2000,
    },
    // A hold of 16 s sees every stream's 15 s heartbeat once.
    held: { steps: held, holdMs: quick ? 1500 : Math.max(16_000, durationMs), concurrency: quick ? 50 : 200 },
    session: { steps: quick ? [8] : [32, 64, 128], durationMs: quick ? 1500 : Math.min(durationMs, 10_000) },
    resume: { replays: quick ? 5 : 50, events: 1000 },
    nofile: Math.max(65_536, Math.max(...held) * 3 + 4096),
  }
}

/** A list option of whole, positive counts (`--held`, `--streams`); undefined when not given. */
function steps(option: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined
  const list = value.split(',').map((v) => Number(v.trim()))
  if (!list.every((m) => Number.isInteger(m) && m > 0))
    throw new Error(`--${option} takes whole numbers, got ${value}`)
  return list
}
