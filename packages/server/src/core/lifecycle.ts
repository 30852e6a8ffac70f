/**
 * The service's parts in one ordered list (issue 22 #6). `openServices` adds each part right after
 * opening it, so a failure half way stops exactly what was opened. Background work (timers,
 * heartbeats) starts in one pass in that order once everything is open (fastify's `onReady`);
 * shutdown drains and stops in reverse, so a part stops before whatever it uses.
 */
import type { Logger } from 'pino'

export interface Component {
  readonly name: string
  /** Starts background work; runs once, after every part is open. */
  start?(): void | Promise<void>
  /** Shutdown's first phase: take no new work, let open work finish or hand it over. */
  drain?(): void | Promise<void>
  /** Lets go of what the part holds; runs once, whether or not it started. */
  stop(): void | Promise<void>
}

export function createLifecycle(o: { log?: Pick<Logger, 'warn'> } = {}) {
  const parts: Component[] = []
  let starting: Promise<void> | undefined
  let draining: Promise<void> | undefined
  let stopping: Promise<void> | undefined

  async function startAll() {
    for (const p of parts) await p.start?.()
  }

  /** Every part's drain is under way before any is waited for: a drain is a wait, not a teardown. */
  async function drainAll() {
    const results = await Promise.allSettled([...parts].reverse().map(async (p) => p.drain?.()))
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
  }

  /** One at a time, last opened first; a failure is logged and the rest still stop. The first is returned. */
  async function stopAll(): Promise<{ err: unknown } | undefined> {
    let first: { err: unknown } | undefined
    for (const p of [...parts].reverse()) {
      try {
        await p.stop()
      } catch (err) {
        o.log?.warn({ err, part: p.name }, 'stopping a part failed')
        first ??= { err }
      }
    }
    return first
  }

  async function stopOrThrow() {
    const failed = await stopAll()
    if (failed) throw failed.err
  }

  return {
    /** Registers a part just opened; returns it. */
    add<C extends Component>(part: C): C {
      if (stopping) throw new Error(`lifecycle: "${part.name}" added after stop`)
      parts.push(part)
      return part
    },
    /** Runs `open`, and when it throws, stops every part it added (last first) and rethrows its error. */
    async openAll<T>(open: () => Promise<T>): Promise<T> {
      try {
        return await open()
      } catch (err) {
        stopping = stopAll().then(() => undefined) // its failures are logged; the cause is `err`
        await stopping
        throw err
      }
    },
    /** Starts background work in order (once; later calls wait for the first). */
    start: () => (starting ??= startAll()),
    /** Drains in reverse (once). */
    drain: () => (draining ??= drainAll()),
    /** Stops in reverse (once; later calls wait for the first). */
    stop: () => (stopping ??= stopOrThrow()),
  }
}

export type Lifecycle = ReturnType<typeof createLifecycle>
