/** T3: an answer's outcome and parts as its archived row (SPEC §1 phase 3, §2.7). */
import type { Logger } from 'pino'
import { codes, type ErrorKey, type WireCode } from '../core/errors'
import type { MessageFinish, MessageRepository, MessageRow } from '../store/types'
import type { StreamEvent } from '../core/wire'
import type { AnswerState } from './normalise'
import { archivedStatus, terminalEvent, type Outcome } from './outcome'
import { archivedParts, partEvent } from './parts'

/** The row's final columns for an outcome (also used by recovery, which has no live state). */
export function finishOf(
  o: Outcome | null,
  answer: {
    text: string
    reasoning?: string | null
    parts?: AnswerState['parts']
    suggestions?: readonly string[]
  },
  at: { firstTokenAt: number | null; finishedAt: number },
): MessageFinish {
  const failed = o && 'code' in o ? o : undefined
  const usage = o && 'usage' in o ? o.usage : undefined
  return {
    status: archivedStatus(o),
    answer: answer.text,
    reasoning: answer.reasoning || null,
    errorCode: o ? (failed?.code ?? null) : 'UPSTREAM_INTERRUPTED',
    // Coze's own text is the operator's clue; the widget only ever saw the catalogue's message.
    errorMessage: o ? (failed ? (failed.coze?.msg || failed.message).slice(0, 500) : null) : 'No outcome',
    inputTokens: usage?.inputTokens ?? null,
    outputTokens: usage?.outputTokens ?? null,
    firstTokenAt: at.firstTokenAt,
    finishedAt: at.finishedAt,
    cozeCode: failed?.coze?.code ?? null,
    cozeLogid: failed?.coze?.logid ?? null,
    parts: answer.parts ? archivedParts(answer.parts) : null,
    suggestions: answer.suggestions?.length ? [...answer.suggestions] : null,
  }
}

/** T3: only after T1 succeeded (SPEC §1); a failure here is logged, the answer was already relayed. */
export async function archiveAnswer(
  d: { store: MessageRepository; log: Logger; now?: () => number; onFailure?: () => void },
  t1: Promise<boolean>,
  messageId: string,
  s: AnswerState,
  firstTokenAt: number | null,
  extra: Pick<MessageFinish, 'cozeMessageId'> = {},
): Promise<MessageFinish['status']> {
  const finish = {
    ...finishOf(
      s.outcome,
      { text: s.answer, reasoning: s.reasoning, parts: s.parts, suggestions: s.suggestions },
      { firstTokenAt, finishedAt: (d.now ?? Date.now)() },
    ),
    ...extra,
  }
  if (!(await t1)) return finish.status
  try {
    await d.store.finishMessage(messageId, finish)
  } catch (err) {
    d.log.error({ err, messageId }, 'T3 update failed')
    d.onFailure?.()
  }
  return finish.status
}

/** A finished row as the events a widget would have seen (used once the stream log has expired). */
export function archivedEvents(row: MessageRow): StreamEvent[] {
  const events: StreamEvent[] = [
    { event: 'meta', data: { messageId: row.id, conversationId: row.conversationId } },
  ]
  // Reasoning first, as Coze streams it: the events keep the live stream's positions (event-id.ts).
  if (row.reasoning) events.push({ event: 'reasoning', data: { text: row.reasoning } })
  if (row.parts) {
    row.parts.forEach((p, index) => {
      if (index > 0 || p.kind !== 'text') events.push(partEvent(index, p))
      if (p.kind === 'text' && p.text) events.push({ event: 'delta', data: { text: p.text } })
    })
  } else if (row.answer) events.push({ event: 'delta', data: { text: row.answer } })
  // Before `done`, as normalise.ts relays them.
  if (row.suggestions?.length) events.push({ event: 'suggestions', data: { items: row.suggestions } })
  const usage = { inputTokens: row.inputTokens ?? 0, outputTokens: row.outputTokens ?? 0 }
  if (row.status === 'completed') events.push(terminalEvent({ status: 'completed', usage }))
  else {
    // A stored column: written from a WireCode (`finishOf`), replayed as stored.
    const code =
      (row.errorCode as WireCode | null) ?? (row.status === 'cancelled' ? 'CANCELLED' : 'INTERRUPTED')
    // The row's error_message may be Coze's own text: the widget gets the catalogue's.
    const message = codes[`VC_ERR_${code}` as ErrorKey]?.message ?? row.status
    events.push({ event: 'error', data: { code, message } })
  }
  return events
}
