/**
 * The load generator: its own process (pinned to the core the service does not use), driven by
 * `run.ts` over IPC, one task at a time. Every loop here is bounded by a count and a deadline.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { Chatter, createSession, question } from './lib/chatter'
import type {
  Endpoints,
  FromLoadgen,
  HeldCloseResult,
  HeldMarkResult,
  HeldOpenResult,
  Problems,
  RelayResult,
  ResumeResult,
  SessionResult,
  Task,
  TaskResult,
  ToLoadgen,
  TtftResult,
  FirstDeltaResult,
  Way,
} from './lib/protocol'
import { Samples, summarise } from './lib/stats'

let endpoints: Endpoints | undefined
const ep = () => {
  if (!endpoints) throw new Error('loadgen: init first')
  return endpoints
}
const epoch = (t: number) => performance.timeOrigin + t
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Collects failures of one task and the load generator's own event-loop delay while it ran. */
function problems() {
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  const samples = new Set<string>()
  const p = {
    errors: 0,
    fail(message: string) {
      p.errors++
      if (samples.size < 5) samples.add(message.slice(0, 300))
    },
    done(): Problems {
      lag.disable()
      return {
        errors: p.errors,
        errorSamples: [...samples],
        lagMs: { p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
      }
    },
  }
  return p
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/** Rejects after `ms` (the task's overall bound); the caller's loops stop at their own deadlines first. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

async function prepared(way: Way, n: number, fresh = false): Promise<Chatter[]> {
  const chatters = Array.from({ length: n }, () => new Chatter(way, ep(), fresh))
  await pool(chatters, 32, (c) => c.prepare())
  return chatters
}

async function firstDelta(t: Extract<Task, { kind: 'first-delta' }>): Promise<FirstDeltaResult> {
  const p = problems()
  const [c] = await prepared(t.way, 1)
  const q = question({ ttft: 0, tps: 0, tokens: 5 })
  const samples = new Samples()
  const deadline = performance.now() + t.timeoutMs
  for (let i = 0; i < t.warmup + t.sends && performance.now() < deadline; i++) {
    const r = await c!.send(q)
    if (!r.ok || r.tFirst === null) p.fail(r.error ?? 'no token')
    else if (i >= t.warmup) samples.push(r.tFirst - r.t0)
  }
  if (samples.length < t.sends) p.fail(`only ${samples.length} of ${t.sends} sends measured in time`)
  return { ...p.done(), firstDeltaMs: summarise(samples.values()) }
}

async function ttft(t: Extract<Task, { kind: 'ttft' }>): Promise<TtftResult> {
  const p = problems()
  const chatters = await prepared(t.way, t.users)
  const warm = question({ ttft: 0, tps: 0, tokens: 2 })
  await pool(chatters, 32, async (c) => {
    const r = await c.send(warm) // way c: this send creates the user's conversation
    if (!r.ok) p.fail(`warm-up: ${r.error}`)
  })
  const q = question({ ttft: 0, tps: t.tps, tokens: t.tokens })
  const samples = new Samples()
  let busyRetries = 0
  const start = performance.now()
  const deadline = start + t.durationMs
  const run = chatters.map(async (c, i) => {
    await sleep((i / chatters.length) * Math.min(1000, t.durationMs / 4)) // spread the first sends
    while (performance.now() < deadline) {
      const r = await c.send(q)
      busyRetries += r.busyRetries
      if (!r.ok || r.tFirst === null) p.fail(r.error ?? 'no token')
      else samples.push(r.tFirst - r.t0)
      await sleep(Math.random() * t.thinkMs)
    }
  })
  await bounded(Promise.all(run), t.timeoutMs, 'ttft')
  const seconds = (performance.now() - start) / 1000
  return {
    ...p.done(),
    ttftMs: summarise(samples.values()),
    sends: samples.length,
    sendsPerSecond: samples.length / seconds,
    busyRetries,
  }
}

async function relay(t: Extract<Task, { kind: 'relay' }>): Promise<RelayResult> {
  const p = problems()
  const chatters = await prepared(t.way, t.streams)
  if (t.way === 'c') {
    // Each user's first send also creates its conversation; keep that out of the measured window.
    await pool(chatters, 64, async (c) => {
      const r = await c.send(question({ ttft: 0, tps: 0, tokens: 1 }))
      if (!r.ok) p.fail(`warm-up: ${r.error}`)
    })
  }
  const periodMs = 1000 / t.tps
  const q = question({ ttft: 0, tps: t.tps, tokens: t.tokens })
  const lateness = new Samples()
  const ttfts = new Samples()
  const start = performance.now()
  const windowStart = start + t.rampMs
  const deadline = windowStart + t.durationMs
  let eventsInWindow = 0
  let completed = 0
  let dropped = 0
  let activeMsInWindow = 0
  const run = chatters.map(async (c, i) => {
    await sleep((i / chatters.length) * t.rampMs)
    // Streams follow each other until the window closes (the last one runs past it, unmeasured), so
    // every stream is busy for the whole window.
    while (performance.now() < deadline) {
      const offsets = new Float64Array(t.tokens)
      let first = -1
      let last = -1
      const r = await c.send(q, {
        onToken(at, index) {
          if (index < offsets.length) offsets[index] = at - index * periodMs
          if (at >= windowStart && at <= deadline) {
            eventsInWindow++
            if (first < 0) first = at
            last = at
          }
        },
      })
      if (first >= 0) activeMsInWindow += last - first
      if (r.tFirst !== null) ttfts.push(r.tFirst - r.t0)
      if (!r.ok) {
        p.fail(r.error ?? 'failed')
        await sleep(100) // do not spin on a failing target
        continue
      }
      completed++
      dropped += Math.max(0, t.tokens - r.tokens)
      let min = Infinity
      const n = Math.min(r.tokens, offsets.length)
      for (let k = 0; k < n; k++) min = Math.min(min, offsets[k]!)
      for (let k = 0; k < n; k++) lateness.push(offsets[k]! - min)
    }
  })
  await bounded(Promise.all(run), t.timeoutMs, 'relay')
  const seconds = t.durationMs / 1000
  return {
    ...p.done(),
    streams: t.streams,
    eventsPerSecond: eventsInWindow / seconds,
    expectedEventsPerSecond: t.streams * t.tps,
    window: [epoch(windowStart), epoch(deadline)],
    eventsInWindow,
    latenessMs: summarise(lateness.values()),
    ttftMs: summarise(ttfts.values()),
    streamsCompleted: completed,
    dropped,
    meanActiveStreams: activeMsInWindow / t.durationMs,
  }
}

/** Held streams: open, then idle until `held-close`. State lives between the three tasks. */
interface Held {
  chatter: Chatter
  ac: AbortController
  messageId?: string
  opened: boolean
  ended: Promise<void>
  finished: boolean
  cancelRequested: boolean
}
const STALL_MS = 10_000
const held = { streams: [] as Held[], pings: 0, closing: false, way: 'a' as Way }

async function heldOpen(t: Extract<Task, { kind: 'held-open' }>): Promise<HeldOpenResult> {
  const p = problems()
  held.streams = []
  held.pings = 0
  held.closing = false
  held.way = t.way
  const t0 = performance.now()
  // Way c: many streams per user (one conversation each); ways a/b: one Coze conversation per stream.
  const perUser = 500
  const users = t.way === 'c' ? await prepared('c', Math.ceil(t.streams / perUser), true) : []
  const chatters =
    t.way === 'c'
      ? Array.from({ length: t.streams }, (_, i) => users[Math.floor(i / perUser)]!)
      : await prepared(t.way, t.streams)
  const prepareMs = performance.now() - t0
  const q = question({ ttft: 0, tps: 0, tokens: 20, 'stall-after': 1 })
  const start = performance.now()
  const deadline = start + t.timeoutMs
  let opened = 0
  let lastProgress = performance.now()
  // No stream opened for this long while others wait: the target stopped admitting (a cap), stop trying.
  const stalled = () => performance.now() - lastProgress > STALL_MS
  await pool(chatters, t.concurrency, async (chatter) => {
    if (performance.now() > deadline || stalled()) return
    const h: Held = {
      chatter,
      ac: new AbortController(),
      opened: false,
      ended: Promise.resolve(),
      finished: false,
      cancelRequested: false,
    }
    held.streams.push(h)
    let markOpen: () => void = () => undefined
    const open = new Promise<void>((r) => (markOpen = r))
    h.ended = chatter
      .send(q, {
        signal: h.ac.signal,
        onMeta: (id) => (h.messageId = id),
        onToken: () => {
          if (h.opened) return
          h.opened = true
          opened++
          lastProgress = performance.now()
          markOpen()
          if (held.closing) void cancelHeld(h) // it was queued behind the others: end it now
        },
        onComment: (text) => {
          if (text === 'ping') held.pings++
        },
      })
      .then(
        (r) => {
          if (!r.ok && !h.cancelRequested && !r.stopped) p.fail(r.error ?? 'held stream ended')
        },
        (err: Error) => {
          if (!h.ac.signal.aborted) p.fail(err.message)
        },
      )
      .finally(() => {
        h.finished = true
        markOpen()
      })
    // The next stream opens once this one delivered its token (or the phase ran out of time).
    for (let waited = 0; !h.opened && !h.finished && !stalled() && performance.now() < deadline; waited++) {
      await Promise.race([open, sleep(250)])
    }
  })
  const openMs = performance.now() - start
  const waiting = held.streams.filter((h) => !h.opened && !h.finished).length
  if (opened < t.streams) {
    p.fail(
      `${t.streams - opened} of ${t.streams} streams did not open (${waiting} still waiting: ` +
        `${stalled() ? `none opened for ${STALL_MS / 1000} s` : 'out of time'})`,
    )
  }
  return { ...p.done(), requested: t.streams, opened, waiting, openMs, prepareMs }
}

async function cancelHeld(h: Held) {
  if (h.cancelRequested) return
  h.cancelRequested = true
  if (held.way === 'c' && h.messageId) await h.chatter.cancel(h.messageId).catch(() => h.ac.abort())
  else h.ac.abort()
}

function heldMark(): HeldMarkResult {
  return { at: Date.now(), open: held.streams.filter((h) => h.opened).length, pings: held.pings }
}

async function heldClose(t: Extract<Task, { kind: 'held-close' }>): Promise<HeldCloseResult> {
  const p = problems()
  const start = performance.now()
  held.closing = true
  const openedBefore = held.streams.filter((h) => h.opened)
  await pool(openedBefore, 64, cancelHeld)
  const all = Promise.all(held.streams.map((h) => h.ended))
  let leftOver = 0
  // Streams still queued (never opened) are cancelled as they open; those left at the bound are cut.
  await Promise.race([all, sleep(t.timeoutMs)])
  for (const h of held.streams) {
    if (h.finished) continue
    leftOver++
    h.ac.abort()
  }
  await Promise.race([all, sleep(2000)])
  if (leftOver) p.fail(`${leftOver} held streams did not end within ${t.timeoutMs} ms of the cancel`)
  const lateOpened = held.streams.filter((h) => h.opened).length - openedBefore.length
  const cancelled = held.streams.filter((h) => h.cancelRequested).length
  held.streams = []
  return { ...p.done(), cancelled, closeMs: performance.now() - start, lateOpened, leftOver }
}

async function sessions(t: Extract<Task, { kind: 'session' }>): Promise<SessionResult> {
  const p = problems()
  for (let i = 0; i < 20; i++) await createSession(ep()).catch((e: Error) => p.fail(`warm-up: ${e.message}`))
  const latency = new Samples()
  const start = performance.now()
  const deadline = start + t.durationMs
  const workers = Array.from({ length: t.concurrency }, async () => {
    while (performance.now() < deadline) {
      try {
        latency.push((await createSession(ep())).ms)
      } catch (err) {
        p.fail((err as Error).message)
        await sleep(50)
      }
    }
  })
  await bounded(Promise.all(workers), t.timeoutMs, 'session')
  const end = performance.now()
  return {
    ...p.done(),
    creates: latency.length,
    perSecond: latency.length / ((end - start) / 1000),
    latencyMs: summarise(latency.values()),
    window: [epoch(start), epoch(end)],
  }
}

async function resume(t: Extract<Task, { kind: 'resume' }>): Promise<ResumeResult> {
  const p = problems()
  const [c] = await prepared('c', 1)
  // meta (seq 0), the deltas, suggestions and done: `events` of them come after seq 0.
  const r = await c!.send(question({ ttft: 0, tps: 0, tokens: t.events - 2 }))
  if (!r.ok || !r.messageId) throw new Error(`resume: the answer to replay failed: ${r.error}`)
  const first = new Samples()
  const full = new Samples()
  let eventsReplayed = 0
  const deadline = performance.now() + t.timeoutMs
  for (let i = 0; i < t.replays && performance.now() < deadline; i++) {
    try {
      const x = await c!.resume(r.messageId, 0)
      eventsReplayed = x.events
      if (x.events !== t.events) p.fail(`replayed ${x.events} events, expected ${t.events}`)
      first.push(x.firstMs)
      full.push(x.fullMs)
    } catch (err) {
      p.fail((err as Error).message)
    }
  }
  return {
    ...p.done(),
    eventsReplayed,
    firstEventMs: summarise(first.values()),
    fullReplayMs: summarise(full.values()),
  }
}

async function handle(task: Task): Promise<TaskResult> {
  switch (task.kind) {
    case 'init':
      endpoints = task.endpoints
      return {}
    case 'first-delta':
      return firstDelta(task)
    case 'ttft':
      return ttft(task)
    case 'relay':
      return relay(task)
    case 'held-open':
      return heldOpen(task)
    case 'held-mark':
      return heldMark()
    case 'held-close':
      return heldClose(task)
    case 'session':
      return sessions(task)
    case 'resume':
      return resume(task)
    case 'exit':
      setImmediate(() => process.exit(0))
      return {}
  }
}

const reply = (m: FromLoadgen) => process.send?.(m)

process.on('message', (m: ToLoadgen) => {
  handle(m.task).then(
    (result) => reply({ id: m.id, ok: true, result }),
    (err: Error) => reply({ id: m.id, ok: false, error: err.stack ?? err.message }),
  )
})
process.on('disconnect', () => process.exit(0)) // the orchestrator is gone: never linger
reply({ ready: true })
