/**
 * SSE output. Framing is exactly Coze's: `event:<name>\ndata:<single-line JSON>\n\n`, no space, no `id:`,
 * no comments (coze-protocol.md §2.4: py rejects any other line, go/java read the line after `event:` as data).
 * The per-connection faults (drop, stall, malformed, split) live here; the chat's timeline never sees them.
 */
import type { ServerResponse } from 'node:http'
import type { RunObserver } from './chat-run'

/** Counts are of answer deltas; reasoning deltas (sent first) are never cut. */
export interface StreamFaults {
  dropAfter?: number
  stallAfter?: number
  malformed: boolean
  split: boolean
}

export const formatEvent = (event: string, data: string) => `event:${event}\ndata:${data}\n\n`

// No `connection` header: Node then writes `Connection: keep-alive` with `Keep-Alive: timeout=…`, and a
// pooling client drops the socket before the sim's idle timeout closes it.
export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
} as const

/** Junk a tolerant client must skip (`malformed`): an unknown event, a line without a colon, bad JSON. */
export const JUNK = {
  unknownEvent: formatEvent('conversation.sim.unknown', '{"note":"an event name no client knows"}'),
  noColon: 'this line has no colon\n\n',
  badJson: formatEvent('sim.garbage', '{not json'),
} as const

const DELTA = 'conversation.message.delta'

type Action = { kind: 'write'; text: string } | { kind: 'end' } | { kind: 'destroy' }

/** Observes a chat run and writes it to one HTTP response, applying that request's stream faults. */
export function createSseWriter(res: ServerResponse, faults: StreamFaults): RunObserver {
  let deltas = 0
  let answers = 0
  let silent = false
  let completedSeen = false
  const queue: Action[] = []
  let pumping = false
  if (faults.split) res.socket?.setNoDelay(true)

  function push(action: Action): void {
    if (!faults.split) return perform(action)
    queue.push(action)
    if (!pumping) void pump() // cannot reject: its writes only resolve (on their callback)
  }

  /** Resolves when the last write reached the kernel: destroying earlier would discard corked bytes. */
  let flushed = Promise.resolve()

  function perform(action: Action): void {
    if (res.destroyed) return
    if (action.kind === 'write') flushed = new Promise((resolve) => res.write(action.text, () => resolve()))
    else if (action.kind === 'end') res.end()
    else void flushed.then(() => res.destroy()) // cannot reject: `flushed` only resolves
  }

  /** `split`: 1–3 bytes per write, each handed to the kernel before the next, so UTF-8 and lines are cut. */
  async function pump(): Promise<void> {
    pumping = true
    for (let action = queue.shift(), n = 0; action && !res.destroyed; action = queue.shift()) {
      if (action.kind !== 'write') {
        perform(action)
        continue
      }
      const bytes = Buffer.from(action.text)
      for (let i = 0; i < bytes.length && !res.destroyed; n++) {
        const size = 1 + (n % 3)
        flushed = new Promise((resolve) => res.write(bytes.subarray(i, i + size), () => resolve()))
        await flushed
        await new Promise<void>((resolve) => setImmediate(resolve))
        i += size
      }
    }
    pumping = false
  }

  /** After n answer deltas: `drop` destroys the socket, `stall` goes silent with the socket open. */
  function cutAt(n: number): boolean {
    if (n === faults.dropAfter) push({ kind: 'destroy' })
    silent = n === faults.dropAfter || n === faults.stallAfter
    return silent
  }

  return {
    frame(event, data, answerDelta) {
      if (silent || (answerDelta && answers === 0 && cutAt(0))) return
      const firstCompleted = event === 'conversation.message.completed' && !completedSeen
      if (faults.malformed && firstCompleted) push(write(JUNK.badJson))
      push(write(formatEvent(event, data)))
      completedSeen ||= firstCompleted
      if (faults.malformed && event === 'conversation.chat.created') push(write(JUNK.unknownEvent))
      if (event !== DELTA) return
      deltas++
      if (faults.malformed && deltas === 1) push(write(JUNK.noColon))
      if (answerDelta) cutAt(++answers)
    },
    end() {
      if (!silent) push({ kind: 'end' })
    },
  }
}

const write = (text: string): Action => ({ kind: 'write', text })
