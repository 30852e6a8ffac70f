/**
 * Child processes of the bench and what /proc says about them: CPU time, RSS, open-file limits.
 * Each process is started pinned to one core (`taskset`) with a raised open-file limit (`prlimit`,
 * else `ulimit -n` in a shell that then execs), so the pid we hold is the process itself.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { cpus } from 'node:os'

const which = (cmd: string) =>
  spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim()

export const tools = {
  taskset: which('taskset'),
  prlimit: which('prlimit'),
}

/** Two cores or more and taskset: the service gets core 0, the load generator and the sim core 1. */
export const canPin = () => !!tools.taskset && cpus().length >= 2

export interface LaunchOptions extends SpawnOptions {
  /** Core to pin to (ignored where pinning is impossible). */
  cpu?: number
  /** Open-file limit (soft and hard) for the process. */
  nofile?: number
}

export function launch(cmd: string, args: string[], o: LaunchOptions = {}): ChildProcess {
  let argv = [cmd, ...args]
  if (o.cpu !== undefined && canPin()) argv = [tools.taskset, '-c', String(o.cpu), ...argv]
  if (o.nofile && tools.prlimit) argv = [tools.prlimit, `--nofile=${o.nofile}:${o.nofile}`, ...argv]
  else if (o.nofile) {
    const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
    argv = ['sh', '-c', `ulimit -n ${o.nofile} 2>/dev/null || ulimit -n hard; exec ${quoted}`]
  }
  return spawn(argv[0]!, argv.slice(1), o)
}

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

/** User + system CPU time of a process in ms (undefined once it is gone). */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

/**
 * How long a thread has been runnable but waiting for a CPU, in ms (the kernel's run-queue delay,
 * `/proc/<pid>/task/<tid>/schedstat`); the main thread when `tid` is left out. Undefined where the
 * kernel does not keep scheduler statistics.
 */
export function runQueueWaitMs(pid: number, tid = pid): number | undefined {
  try {
    const [, waitNs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')
    const ms = Number(waitNs) / 1e6
    return Number.isFinite(ms) ? ms : undefined
  } catch {
    return undefined
  }
}

/** Resident set size in KB. */
export function rssKb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

/** Soft open-file limit of a process. */
export function nofileOf(pid: number | 'self', which: 'soft' | 'hard' = 'soft'): number | undefined {
  try {
    const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(
      readFileSync(`/proc/${pid}/limits`, 'utf8'),
    )
    const v = m?.[which === 'soft' ? 1 : 2]
    return v === undefined ? undefined : v === 'unlimited' ? Infinity : Number(v)
  } catch {
    return undefined
  }
}

/**
 * The open-file limit the bench can give its children: what it wants, or the hard limit it inherited
 * when it may not raise that (a container without CAP_SYS_RESOURCE).
 */
export function grantableNofile(wanted: number): number {
  const hard = nofileOf('self', 'hard') ?? 1024
  if (hard >= wanted) return wanted
  if (tools.prlimit) {
    const probe = spawnSync(tools.prlimit, [`--nofile=${wanted}:${wanted}`, 'true'])
    if (probe.status === 0) return wanted
  }
  return hard
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

/** Pids whose command name is `name` (to watch redis-server and mariadbd; read only). */
export function pidsByName(name: string): number[] {
  if (!existsSync('/proc')) return []
  const pids: number[] = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === name) pids.push(Number(d))
    } catch {
      // gone meanwhile
    }
  }
  return pids
}

interface Sample {
  at: number
  cpu: Map<string, number>
}

/**
 * Samples the CPU time of named process groups every `everyMs`; `percent(name, window)` is the CPU
 * used over an epoch-ms window, from the samples nearest its ends (100 % = one core).
 */
export function cpuSampler(groups: () => Record<string, number[]>, everyMs = 250) {
  const samples: Sample[] = []
  const take = () => {
    const cpu = new Map<string, number>()
    for (const [name, pids] of Object.entries(groups())) {
      let sum = 0
      let seen = false
      for (const pid of pids) {
        const ms = cpuMs(pid)
        if (ms === undefined) continue
        sum += ms
        seen = true
      }
      if (seen) cpu.set(name, sum)
    }
    samples.push({ at: Date.now(), cpu })
    if (samples.length > 20_000) samples.splice(0, 10_000) // bounded: hours of samples at most
  }
  take()
  const timer = setInterval(take, everyMs)
  timer.unref()
  const nearest = (t: number) =>
    samples.reduce((best, s) => (Math.abs(s.at - t) < Math.abs(best.at - t) ? s : best), samples[0]!)
  return {
    take,
    /** CPU % of one group over [start, end] (epoch ms); undefined when it was not sampled. */
    percent(name: string, [start, end]: [number, number]): number | undefined {
      take()
      const a = nearest(start)
      const b = nearest(end)
      const ca = a.cpu.get(name)
      const cb = b.cpu.get(name)
      if (ca === undefined || cb === undefined || b.at <= a.at) return undefined
      return ((cb - ca) / (b.at - a.at)) * 100
    },
    /** CPU ms of a group used over [start, end]. */
    used(name: string, window: [number, number]): number | undefined {
      const p = this.percent(name, window)
      return p === undefined ? undefined : (p / 100) * (window[1] - window[0])
    },
    stop: () => clearInterval(timer),
  }
}

/** Waits for `proc` to exit, up to `ms`; then SIGKILL. */
export async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  proc.kill(signal)
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)))
  if ((await Promise.race([exited, late])) === 'late') {
    proc.kill('SIGKILL')
    await exited
  }
  clearTimeout(timer)
}
