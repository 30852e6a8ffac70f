/** SSE event ids are `<messageId>:<seq>` (SPEC §2.2); a resume names the last one the widget saw. */

/**
 * The seq after which to resume: -1 (from the start) when absent; undefined when the id is malformed
 * or belongs to another message.
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
