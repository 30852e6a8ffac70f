/** T3 and the mapping of outcomes to archived rows and wire codes (SPEC §1 phase 3). */
import type { Logger } from 'pino'
import { CozeApiError, upstreamFailure } from '../coze/client'
import { VcError, type ErrorKey } from '../errors'
import type { MessageFinish, MessageRow, Store } from '../store/types'
import type { StreamEvent } from '../wire'
import type { AnswerState } from './normalise'

/** The archived status for an outcome: why the answer ended, in SPEC §4's words. */
export function statusOf(outcome: AnswerState['outcome']): MessageFinish['status'] {
  if (!outcome) return 'failed'
  if (outcome.status === 'completed') return 'completed'
  if (outcome.code === 'CANCELLED') return 'cancelled'
  if (outcome.code === 'INTERRUPTED') return 'interrupted'
  return 'failed'
}

/** T3: only after T1 succeeded (SPEC §1); a failure here is logged, the answer was already relayed. */
export async function archiveAnswer(
  d: { store: Store; log: Logger; now?: () => number },
  t1: Promise<boolean>,
  messageId: string,
  s: AnswerState,
  firstTokenAt: number | null,
): Promise<MessageFinish['status']> {
  const status = statusOf(s.outcome)
  if (!(await t1)) return status
  const o = s.outcome
  const failed = o?.status === 'failed' ? o : undefined
  const finish: MessageFinish = {
    status,
    answer: s.answer,
    reasoning: s.reasoning || null,
    errorCode: status === 'completed' ? null : (failed?.code ?? 'UPSTREAM_INTERRUPTED'),
    errorMessage: status === 'completed' ? null : (failed?.message ?? 'No outcome').slice(0, 500),
    inputTokens: s.usage?.inputTokens ?? null,
    outputTokens: s.usage?.outputTokens ?? null,
    firstTokenAt,
    finishedAt: (d.now ?? Date.now)(),
  }
  try {
    await d.store.finishMessage(messageId, finish)
  } catch (err) {
    d.log.error({ err, messageId }, 'T3 update failed')
  }
  return status
}

/** A finished row as the events a widget would have seen (used once the stream log has expired). */
export function archivedEvents(row: MessageRow): StreamEvent[] {
  const events: StreamEvent[] = [
    { event: 'meta', data: { messageId: row.id, conversationId: row.conversationId } },
  ]
  if (row.answer) events.push({ event: 'delta', data: { text: row.answer } })
  if (row.status === 'completed') {
    const usage = { inputTokens: row.inputTokens ?? 0, outputTokens: row.outputTokens ?? 0 }
    events.push({ event: 'done', data: { status: 'completed', usage } })
  } else {
    const code = row.errorCode ?? (row.status === 'cancelled' ? 'CANCELLED' : 'INTERRUPTED')
    events.push({ event: 'error', data: { code, message: row.errorMessage ?? row.status } })
  }
  return events
}

const COZE_CODE_KEYS: Record<number, ErrorKey> = {
  4016: 'VC_ERR_CONVERSATION_BUSY',
  4013: 'VC_ERR_UPSTREAM_UNAVAILABLE',
}

export function toUpstreamVcError(err: unknown): VcError {
  if (err instanceof CozeApiError) {
    const key =
      COZE_CODE_KEYS[err.code] ??
      (err.httpStatus === 429 || err.httpStatus >= 500
        ? 'VC_ERR_UPSTREAM_UNAVAILABLE'
        : 'VC_ERR_UPSTREAM_ERROR')
    const detail = `code ${err.code}${err.logid ? `, logid ${err.logid}` : ''}`
    return new VcError(key, `Coze: ${err.message} (${detail})`.slice(0, 300))
  }
  const e = upstreamFailure(err)
  return e instanceof VcError ? e : new VcError('VC_ERR_UPSTREAM_INTERRUPTED')
}
