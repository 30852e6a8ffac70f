/**
 * One timer per period for every open stream, instead of one per stream: at 10,000 held streams that is
 * one wake-up per tick rather than 10,000 timers (issue 8, held streams).
 */
const beats = new Map<number, { timer: NodeJS.Timeout; members: Set<() => void> }>()

/** Calls `beat` every `periodMs` until the returned function is called. */
export function joinHeartbeat(periodMs: number, beat: () => void): () => void {
  let group = beats.get(periodMs)
  if (!group) {
    const members = new Set<() => void>()
    const timer = setInterval(() => members.forEach((b) => b()), periodMs)
    timer.unref()
    group = { timer, members }
    beats.set(periodMs, group)
  }
  // Each join gets its own entry, so the same function may join twice and leave once.
  const member = () => beat()
  group.members.add(member)
  const g = group
  return () => {
    if (!g.members.delete(member) || g.members.size) return
    clearInterval(g.timer)
    if (beats.get(periodMs) === g) beats.delete(periodMs)
  }
}
