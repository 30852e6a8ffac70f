/**
 * SSE event ids are `<messageId>:<position>` (SPEC §2.2, §2.3; issue 19): the position in the answer
 * just after the event — UTF-16 units of reasoning and text delivered so far, plus one for every other
 * event (`part`, `action`, `suggestions`, the terminal event). `meta` is position 0. Any instance can
 * rebuild the same positions from Coze's full answer, so a resume continues at exactly the client's
 * position, cutting a delta in the middle where needed, even when the log is behind the client.
 */
import type { StreamEvent } from '../core/wire'

/**
 * The position after which to resume: -1 (from the start) when absent; undefined when the id is
 * malformed or belongs to another message.
 * @example parseLastEventId('m1:41', 'm1') // 41
 */
export function parseLastEventId(raw: string | undefined, messageId: string): number | undefined {
  if (raw === undefined || raw === '') return -1
  const at = raw.lastIndexOf(':')
  if (at <= 0 || raw.slice(0, at) !== messageId) return undefined
  const seq = raw.slice(at + 1)
  if (!/^\d{1,9}$/.test(seq)) return undefined
  return Number(seq)
}

/**
 * How far one event moves the answer's position. 0 for `meta` (it opens the answer) and for an empty
 * text, which is never sent: every sent event after `meta` moves the position, so ids strictly increase.
 * @example weightOf({ event: 'delta', data: { text: '您好' } }) // 2
 */
export function weightOf(e: StreamEvent): number {
  if (e.event === 'meta') return 0
  if (e.event === 'delta' || e.event === 'reasoning') return e.data.text.length
  return 1
}

export type Positioned = StreamEvent & { seq: number }

/**
 * Gives each event its position, counting from `start` (0 = the answer's beginning); empty texts are
 * dropped.
 * @example positioned([meta, delta('ab'), done]) // seqs 0, 2, 3
 */
export function positioned(events: StreamEvent[], start = 0): Positioned[] {
  let at = start
  const out: Positioned[] = []
  for (const e of events) {
    const w = weightOf(e)
    if (w === 0 && e.event !== 'meta') continue
    at += w
    out.push({ ...e, seq: at } as Positioned)
  }
  return out
}

/**
 * The part of a positioned event that lies after position `after`: undefined when all of it lies at or
 * before it; a text that straddles it keeps only its end (the id stays the event's own end).
 * @example sliceAfter({ event: 'delta', data: { text: 'abcd' }, seq: 10 }, 8) // text 'cd', seq 10
 */
export function sliceAfter<E extends Positioned>(e: E, after: number): E | undefined {
  if (e.seq <= after) return undefined
  if (e.event !== 'delta' && e.event !== 'reasoning') return e
  const start = e.seq - e.data.text.length
  if (start >= after) return e
  return { ...e, data: { ...e.data, text: e.data.text.slice(after - start) } }
}

/** Everything of a positioned answer after position `after`, texts cut where they straddle it. */
export function eventsAfter<E extends Positioned>(events: E[], after: number): E[] {
  return events.flatMap((e) => sliceAfter(e, after) ?? [])
}
