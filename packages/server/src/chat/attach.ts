/**
 * Attaching a second connection to an answer (issue 5): a repeated `clientMessageId`, a resume with
 * `Last-Event-ID`, a reload mid-answer. Replays the stream log then follows it live; once the log has
 * expired, the archived answer is sent instead, starting with `meta` (a widget resets on `meta`).
 */
import { VcError } from '../errors'
import type { SessionUser } from '../identity/sessions'
import type { MessageRow, Store } from '../store/types'
import type { StreamLog } from '../streams'
import { archivedEvents } from './archive'
import type { EventSink } from './relay'

export interface AttachDeps {
  store: Store
  streams: StreamLog
  /** Starts recovery of an orphaned answer (its instance died); no-op when it is alive. */
  recoverIfOrphaned?: (row: MessageRow) => void
}

export async function attachToMessage(
  d: AttachDeps,
  user: SessionUser,
  messageId: string,
  from: { afterSeq: number; signal?: AbortSignal; waitForRowMs?: number },
  sink: EventSink,
) {
  const row = await waitForRow(d.store, user.userId, messageId, from.waitForRowMs ?? 0)
  if (!row) throw new VcError('VC_ERR_MESSAGE_NOT_FOUND')
  const logged = await d.streams.has(messageId)
  if (!logged && row.status !== 'in_progress') {
    sink.open()
    archivedEvents(row).forEach((e, i) => sink.event(`${messageId}:${from.afterSeq + 1 + i}`, e))
    return sink.close()
  }
  if (row.status === 'in_progress') d.recoverIfOrphaned?.(row)
  sink.open()
  const signal = from.signal ?? new AbortController().signal
  for await (const e of d.streams.follow(messageId, from.afterSeq, signal)) {
    const { seq, ...event } = e
    sink.event(`${messageId}:${seq}`, event as never)
  }
  sink.close()
}

/** A duplicate send may arrive before the first one's T1 insert landed: give it a moment. */
async function waitForRow(store: Store, userId: string, messageId: string, waitMs: number) {
  const deadline = Date.now() + waitMs
  for (;;) {
    const row = messageId ? await store.getMessage(userId, messageId) : undefined
    if (row || Date.now() > deadline) return row
    await new Promise((r) => setTimeout(r, 25))
  }
}
