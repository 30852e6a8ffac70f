/** The processes of a bench run: coze-sim, way (b)'s node relay, the load generator, the service's readiness. */
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { simTrusting } from './infra'
import { sleep } from './log'
import type { Proxy } from './nginx'
import { launch } from './procs'
import type { FromLoadgen, Task, TaskResult } from './protocol'
import { childMessage } from '../../test/child-message'
import { root } from './files'

/** Limits far above the load, so the checks run (and cost what they cost) but never refuse. */
export const GENEROUS_LIMITS = {
  RATE_LIMIT_IP_REQUESTS_PER_MINUTE: '1000000',
  RATE_LIMIT_USER_MESSAGES_PER_MINUTE: '1000000',
  RATE_LIMIT_USER_MESSAGES_PER_DAY: '10000000',
  RATE_LIMIT_IP_MESSAGES_PER_MINUTE: '1000000',
  RATE_LIMIT_IP_MESSAGES_PER_DAY: '10000000',
  RATE_LIMIT_S2S_KEY_PER_MINUTE: '1000000',
  RATE_LIMIT_S2S_IP_PER_MINUTE: '1000000',
  RATE_LIMIT_USER_STREAMS: '1000',
  RATE_LIMIT_FILES_PER_MINUTE: '1000000',
}

export async function startSim(publicKeyPem: string, nofile: number) {
  const options = { ...simTrusting(publicKeyPem), firstTokenDelayMs: 0, tokensPerSecond: 0 }
  const proc = launchTsx('bench/sim.ts', [JSON.stringify(options)], 1, nofile)
  const { url } = (await readyOverIpc(proc, 'coze-sim')) as { url: string }
  return { proc, url, reset: () => proc.send({ kind: 'reset' }) }
}

/** Way (b) with `--proxy node`: bench/node-relay.ts, pinned beside the service like nginx. */
export async function startNodeRelay(upstream: string, nofile: number): Promise<Proxy> {
  const proc = launchTsx('bench/node-relay.ts', [upstream], 0, nofile)
  const { url } = (await readyOverIpc(proc, 'the node relay')) as { url: string }
  return { url, master: proc, workers: () => [proc.pid!] }
}

/** A bench script of its own (tsx), pinned to `cpu`, with an IPC channel for its `ready` message. */
export function launchTsx(script: string, args: string[], cpu: number, nofile: number) {
  return launch(process.execPath, ['--import', 'tsx', join(root, script), ...args], {
    cpu,
    nofile,
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
}

/** The child's `{ kind: 'ready' }` message (30 s at most). */
export function readyOverIpc(proc: ChildProcess, what: string) {
  return childMessage<{ kind?: string; url?: string }>(proc, (m) => m.kind === 'ready', { what })
}

/** The service's `{ listening: url }` (main.ts, sent when it has an IPC channel), within 60 s. */
export async function listeningOverIpc(proc: ChildProcess) {
  const m = await childMessage<{ listening?: unknown }>(proc, (m) => typeof m.listening === 'string', {
    what: 'the service',
    timeoutMs: 60_000,
  })
  return m.listening as string
}

export async function waitReady(url: string, proc: ChildProcess, stderr: string[]) {
  const deadline = Date.now() + 60_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the service exited (${proc.exitCode}): ${stderr.join('')}`)
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    if (Date.now() > deadline) throw new Error(`the service was not ready within 60 s: ${stderr.join('')}`)
    await sleep(100)
  }
}

export type Loadgen = ReturnType<typeof startLoadgen>

export function startLoadgen(nofile: number) {
  const proc = launch(process.execPath, ['--import', 'tsx', join(root, 'bench/loadgen.ts')], {
    cpu: 1,
    nofile,
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let nextId = 1
  const pending = new Map<number, { resolve: (r: TaskResult) => void; reject: (e: Error) => void }>()
  // Exiting before its `ready` message fails the run at once, not at the timeout.
  const ready = childMessage<FromLoadgen>(proc, (m) => 'ready' in m, { what: 'the load generator' }).then(
    () => undefined,
  )
  proc.on('message', (m: FromLoadgen) => {
    if ('ready' in m) return
    const p = pending.get(m.id)
    pending.delete(m.id)
    if (m.ok) p?.resolve(m.result)
    else p?.reject(new Error(`load generator: ${m.error}`))
  })
  proc.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`the load generator exited (${code})`))
    pending.clear()
  })
  return {
    proc,
    ready,
    /** One task; the load generator bounds its own loops, this bounds the wait for its answer. */
    call<T extends TaskResult>(task: Task, timeoutMs = 600_000): Promise<T> {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`load generator task ${task.kind} timed out after ${timeoutMs} ms`))
        }, timeoutMs)
        pending.set(id, {
          resolve: (r) => (clearTimeout(timer), resolve(r as T)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        })
        proc.send({ id, task })
      })
    },
  }
}
