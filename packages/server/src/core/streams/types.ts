/**
 * The stream log (issue 5): every event sent to a widget, per message, so a widget that lost its
 * connection can resume on any instance. Two adapters pass one contract suite (backends/): Redis
 * Streams (shared) and in-process (the embedded default).
 */
import type { StreamEvent } from '../wire'

/** `seq` is the event's position in the answer (chat/event-id.ts): strictly increasing, not consecutive. */
export type LoggedEvent = StreamEvent & { seq: number }

export const isTerminalEvent = (e: { event: string }) => e.event === 'done' || e.event === 'error'

export interface StreamLog {
  readonly kind: 'redis' | 'memory'
  /**
   * Queues one event; stored in batches, a terminal event flushes at once. Seqs must increase. `json` is
   * `e.data` already serialised, when the caller has it.
   */
  append(messageId: string, e: LoggedEvent, json?: string): void
  /** Resolves once everything queued so far is stored. */
  flush(): Promise<void>
  /** Everything stored so far (queued appends of this instance included). */
  read(messageId: string): Promise<LoggedEvent[]>
  /** Whether the log of this message is still kept. */
  has(messageId: string): Promise<boolean>
  /**
   * Every event after `afterSeq`: first what is stored, then live as it is appended by any instance,
   * ending after a terminal event or when `signal` aborts.
   */
  follow(messageId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<LoggedEvent>
  close(): Promise<void>
}

export interface StreamLogOptions {
  /** How long a log is kept after its terminal event (issue 5: ≥ 10 min). */
  retentionMs: number
  /** How long an unfinished log is kept (the longest an answer may run, plus retention). */
  openTtlMs: number
  /** Most events kept per message (oldest trimmed). */
  maxEvents: number
  /** Batching window for appends. */
  flushMs: number
}

export const defaultStreamLogOptions: StreamLogOptions = {
  retentionMs: 15 * 60_000,
  openTtlMs: 30 * 60_000,
  maxEvents: 20_000,
  flushMs: 10,
}
