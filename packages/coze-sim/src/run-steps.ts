/**
 * A chat phase as a list of steps: the deltas of each streamed answer message (reasoning deltas first, on
 * the first streamed message), and each message's `conversation.message.completed`. Cards and
 * object_string messages have no deltas: they arrive as `completed` only (coze-protocol.md §9 row 4).
 */
import type { ScriptedAnswer } from './types'

export type Step =
  | { kind: 'delta'; message: number; text: string; reasoning: boolean }
  | { kind: 'completed'; message: number }

export function stepsOf(answer: ScriptedAnswer): Step[] {
  const host = Math.max(
    0,
    answer.messages.findIndex((m) => m.chunks.length > 0),
  )
  return answer.messages.flatMap((m, message): Step[] => [
    ...(message === host ? answer.reasoningChunks : []).map((text) => ({
      kind: 'delta' as const,
      message,
      text,
      reasoning: true,
    })),
    ...m.chunks.map((text) => ({ kind: 'delta' as const, message, text, reasoning: false })),
    { kind: 'completed', message },
  ])
}

/**
 * Where a failure cuts the steps: right after `after` answer deltas (default: half of them), so reasoning
 * and whole messages before that point are sent and the cut stream always holds some answer text.
 */
export function failIndex(steps: Step[], after: number | undefined): number {
  const deltas = steps.flatMap((s, i) => (s.kind === 'delta' && !s.reasoning ? [i] : []))
  const n = Math.min(after ?? Math.floor(deltas.length / 2), deltas.length)
  if (n > 0) return deltas[n - 1]! + 1
  return deltas[0] ?? steps.length
}
