/**
 * One timer per period for every open stream, instead of one per stream: at 10,000 held streams that is
 * one wake-up per tick rather than 10,000 timers (issue 8, held streams). Members are objects, not
 * closures, so a held stream costs one set entry here.
 */
export interface HeartbeatMember {
  beat(): void
}

const beats = new Map<number, { timer: NodeJS.Timeout; members: Set<HeartbeatMember> }>()

/** Calls `member.beat()` every `periodMs` until it leaves; joining twice is joining once. */
export function joinHeartbeat(periodMs: number, member: HeartbeatMember): void {
  let group = beats.get(periodMs)
  if (!group) {
    const members = new Set<HeartbeatMember>()
    const timer = setInterval(() => members.forEach((m) => m.beat()), periodMs)
    timer.unref()
    group = { timer, members }
    beats.set(periodMs, group)
  }
  group.members.add(member)
}

/** Stops the beats of `member`; the last member of a period stops its timer. Harmless twice. */
export function leaveHeartbeat(periodMs: number, member: HeartbeatMember): void {
  const group = beats.get(periodMs)
  if (!group?.members.delete(member) || group.members.size) return
  clearInterval(group.timer)
  beats.delete(periodMs)
}
