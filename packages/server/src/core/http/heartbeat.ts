/**
 * One timer per period for every open stream, instead of one per stream: at 10,000 held streams that is
 * one wake-up per tick rather than 10,000 timers (issue 8, held streams). Members are objects, not
 * closures, so a held stream costs one set entry here. The service owns one `Heartbeats` (a lifecycle
 * part: stopping it clears every timer), not the module.
 */
export interface HeartbeatMember {
  beat(): void
}

/** The beat of one period, handed to whoever joins it (SSE streams, held stream slots). */
export interface Heartbeat {
  readonly periodMs: number
  /** Calls `member.beat()` every period until it leaves; joining twice is joining once. */
  join(member: HeartbeatMember): void
  /** Stops the beats of `member`; the last member of a period stops its timer. Harmless twice. */
  leave(member: HeartbeatMember): void
}

/**
 * @example
 * const beats = createHeartbeats()
 * const sse = beats.every(15_000); sse.join(stream); … sse.leave(stream)
 * beats.stop() // shutdown: no timer left
 */
export function createHeartbeats() {
  const groups = new Map<number, { timer: NodeJS.Timeout; members: Set<HeartbeatMember> }>()

  function join(periodMs: number, member: HeartbeatMember): void {
    let group = groups.get(periodMs)
    if (!group) {
      const members = new Set<HeartbeatMember>()
      const timer = setInterval(() => members.forEach((m) => m.beat()), periodMs)
      timer.unref()
      group = { timer, members }
      groups.set(periodMs, group)
    }
    group.members.add(member)
  }

  function leave(periodMs: number, member: HeartbeatMember): void {
    const group = groups.get(periodMs)
    if (!group?.members.delete(member) || group.members.size) return
    clearInterval(group.timer)
    groups.delete(periodMs)
  }

  return {
    join,
    leave,
    every: (periodMs: number): Heartbeat => ({
      periodMs,
      join: (m) => join(periodMs, m),
      leave: (m) => leave(periodMs, m),
    }),
    /** Clears every timer; members beat no more. */
    stop() {
      for (const g of groups.values()) clearInterval(g.timer)
      groups.clear()
    },
  }
}

export type Heartbeats = ReturnType<typeof createHeartbeats>
