/**
 * A push→pull bridge for `follow`: producers push events (possibly twice, from replay and live), the
 * consumer pulls them in seq order without duplicates and stops after a terminal event or an abort.
 */
import { isTerminalEvent, type LoggedEvent } from '../core/streams/types'

export function createEventQueue(afterSeq: number, signal: AbortSignal) {
  let lastSeq = afterSeq
  const buffer: LoggedEvent[] = []
  let wake: (() => void) | undefined
  let ended = false
  const notify = () => {
    wake?.()
    wake = undefined
  }
  signal.addEventListener('abort', notify, { once: true })

  return {
    push(e: LoggedEvent) {
      if (!ended && e.seq <= lastSeq && isTerminalEvent(e)) {
        // The follower already has the end (it resumed at or past it): nothing more will come.
        ended = true
        return notify()
      }
      if (ended || e.seq <= lastSeq) return
      lastSeq = e.seq
      buffer.push(e)
      if (isTerminalEvent(e)) ended = true
      notify()
    },
    get lastSeq() {
      return lastSeq
    },
    async *drain(): AsyncGenerator<LoggedEvent> {
      for (;;) {
        while (buffer.length) {
          const e = buffer.shift()!
          yield e
          if (isTerminalEvent(e)) return
        }
        if (signal.aborted || ended) return
        await new Promise<void>((r) => (wake = r))
      }
    },
  }
}
