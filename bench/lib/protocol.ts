/** Messages between the bench orchestrator (`run.ts`) and the load generator process (`loadgen.ts`). */
import type { Summary } from './stats'

/**
 * (a) client → coze-sim, (b) client → a plain proxy (nginx, or the bare Node relay) → coze-sim,
 * (c) client → Chat Service → coze-sim.
 */
export type Way = 'a' | 'b' | 'c'
export const WAYS: readonly Way[] = ['a', 'b', 'c']

export interface Endpoints {
  simUrl: string
  proxyUrl?: string
  serviceUrl: string
  pat: string
  botId: string
  s2s: { id: string; secret: string }
  /** Makes phone numbers (and so users) unique to this run. */
  runSeed: number
}

export type Task =
  | { kind: 'init'; endpoints: Endpoints }
  | { kind: 'first-delta'; way: Way; sends: number; warmup: number; timeoutMs: number }
  | {
      kind: 'ttft'
      way: Way
      users: number
      durationMs: number
      tokens: number
      tps: number
      thinkMs: number
      timeoutMs: number
    }
  | {
      kind: 'relay'
      way: Way
      streams: number
      tokens: number
      tps: number
      durationMs: number
      rampMs: number
      timeoutMs: number
    }
  | { kind: 'held-open'; way: Way; streams: number; concurrency: number; timeoutMs: number }
  | { kind: 'held-mark' }
  | { kind: 'held-close'; timeoutMs: number }
  | { kind: 'session'; concurrency: number; durationMs: number; timeoutMs: number }
  | { kind: 'resume'; replays: number; events: number; timeoutMs: number }
  | { kind: 'exit' }

export interface Problems {
  /** Requests or streams that failed (the scenario did not complete cleanly when > 0). */
  errors: number
  /** Up to a few distinct messages, for the report. */
  errorSamples: string[]
  /** The load generator's own event-loop delay during the task (its measurements are only as good). */
  lagMs: { p99: number; max: number }
}

export interface FirstDeltaResult extends Problems {
  firstDeltaMs: Summary
}

export interface TtftResult extends Problems {
  ttftMs: Summary
  sends: number
  sendsPerSecond: number
  /** `409 CONVERSATION_BUSY` answers to a send that followed the previous answer's end (retried). */
  busyRetries: number
}

export interface RelayResult extends Problems {
  streams: number
  /** Token events received inside the measurement window, per second. */
  eventsPerSecond: number
  /** What N streams at the configured rate should deliver. */
  expectedEventsPerSecond: number
  /** [start, end] of the measurement window, epoch ms (for the orchestrator's CPU samples). */
  window: [number, number]
  eventsInWindow: number
  /** How late each token arrived against its stream's own best-case schedule (ms). */
  latenessMs: Summary
  ttftMs: Summary
  streamsCompleted: number
  /** Tokens the sim sent on completed streams that never reached the client (must be 0). */
  dropped: number
  /** Mean number of streams receiving tokens during the window. */
  meanActiveStreams: number
}

export interface HeldOpenResult extends Problems {
  requested: number
  opened: number
  /** Connections the client holds that never got their first token (queued at the target). */
  waiting: number
  openMs: number
  prepareMs: number
}

export interface HeldMarkResult {
  at: number
  open: number
  pings: number
}

export interface HeldCloseResult extends Problems {
  cancelled: number
  closeMs: number
  /** Streams that opened only after the close began (queued behind others). */
  lateOpened: number
  leftOver: number
}

export interface SessionResult extends Problems {
  creates: number
  perSecond: number
  latencyMs: Summary
  window: [number, number]
}

export interface ResumeResult extends Problems {
  eventsReplayed: number
  firstEventMs: Summary
  fullReplayMs: Summary
}

export type TaskResult =
  | FirstDeltaResult
  | TtftResult
  | RelayResult
  | HeldOpenResult
  | HeldMarkResult
  | HeldCloseResult
  | SessionResult
  | ResumeResult
  | Record<string, never>

export type ToLoadgen = { id: number; task: Task }
export type FromLoadgen =
  { id: number; ok: true; result: TaskResult } | { id: number; ok: false; error: string } | { ready: true }
