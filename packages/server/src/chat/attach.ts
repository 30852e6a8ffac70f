/**
 * Attaching a second connection to an answer (issue 5): a repeated `clientMessageId`, a resume with
 * `Last-Event-ID`, a reload mid-answer. Replays the stream log after the client's position then follows
 * it live; once the log has expired, the archived answer after that position is sent instead (the same
 * positions, event-id.ts).
 */
import { VcError } from '../core/errors'
import type { MessageRepository, MessageRow } from '../store/types'
import type { StreamLog } from '../core/streams/types'
import { archivedEvents } from './archive'
import { eventsAfter, positioned, sliceAfter } from './event-id'
import type { EventSink } from './relay-run'
import type { SessionUser } from '../core/session-user'

export interface AttachDeps {
  store: MessageRepository
  streams: StreamLog
  /** Starts recovery of an orphaned answer (its instance died); no-op when it is alive. */
  recoverIfOrphaned?: (row: MessageRow) => void
  /**
   * Aborts when this instance drains (issue 19): new attaches get `503`, followers end without a
   * terminal event, and the widget resumes on a peer.
   */
  draining?: AbortSignal
}

export async function attachToMessage(
  d: AttachDeps,
  user: SessionUser,
  messageId: string,
  from: { afterSeq: number; signal?: AbortSignal; waitForRowMs?: number },
  sink: EventSink,
) {
  if (d.draining?.aborted) throw notReady()
  const row = await waitForRow(d.store, user.userId, messageId, from.waitForRowMs ?? 0)
  if (!row) throw new VcError('VC_ERR_MESSAGE_NOT_FOUND')
  const logged = await d.streams.has(messageId)
  if (!logged && row.status !== 'in_progress') {
    sink.open()
    const archived = positioned(archivedEvents(row))
    for (const { seq, ...e } of eventsAfter(archived, from.afterSeq))
      sink.event(`${messageId}:${seq}`, e as never)
    // The archive has no `suggestions`, so its end may sit at the client's position: it still goes out.
    const { seq: endSeq, ...end } = archived.at(-1)!
    if (endSeq <= from.afterSeq) sink.event(`${messageId}:${from.afterSeq + 1}`, end as never)
    return sink.close()
  }
  if (row.status === 'in_progress') d.recoverIfOrphaned?.(row)
  sink.open()
  const signals = [from.signal, d.draining].filter((s): s is AbortSignal => s !== undefined)
  const signal = signals.length ? AbortSignal.any(signals) : new AbortController().signal
  for await (const logged of d.streams.follow(messageId, from.afterSeq, signal)) {
    // The first event may be a text that starts before the client's position: only its end goes out.
    const part = sliceAfter(logged, from.afterSeq)
    if (!part) continue
    const { seq, ...event } = part
    sink.event(`${messageId}:${seq}`, event as never)
  }
  sink.close()
}

const notReady = () => new VcError('VC_ERR_NOT_READY', 'This instance is shutting down; try again')

/** A duplicate send may arrive before the first one's T1 insert landed: give it a moment. */
async function waitForRow(store: MessageRepository, userId: string, messageId: string, waitMs: number) {
  const deadline = Date.now() + waitMs
  for (;;) {
    const row = messageId ? await store.getMessage(userId, messageId) : undefined
    if (row || Date.now() > deadline) return row
    await new Promise((r) => setTimeout(r, 25))
  }
}
