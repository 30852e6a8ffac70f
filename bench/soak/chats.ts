/**
 * One soak chat as a widget would run it: a session, a send (retried elsewhere before `meta`), drops on
 * purpose, resumes on the other instance with Last-Event-ID until the terminal event; and the SIGKILL of A.
 */
import { randomBytes } from 'node:crypto'
import { pseudonymOf } from '../../packages/server/src/core/phone'
import { isTerminalEvent } from '../../packages/server/src/core/streams/types'
import { randomPhone } from '../../packages/server/test/harness'
import type { Instance, startCluster } from '../../packages/server/test/instances'
import { readStream, visibleAnswerOf, type ReceivedEvent } from '../../packages/server/test/sse-client'
import {
  between,
  DROP_RATE,
  MAX_RESUMES,
  MAX_SEND_ATTEMPTS,
  random,
  RESTART_AFTER_MS,
  RESUME_DROP_RATE,
  SEGMENT_TIMEOUT_MS,
  sleep,
  TPS,
} from './options'

export interface Slot {
  label: 'A' | 'B'
  instance?: Instance
  alive: boolean
  /** Open SSE connections from this script to the instance. */
  open: number
}

export interface ChatRecord {
  i: number
  question: string
  phone: string
  userId: string
  messageId?: string
  /** Instance names, one per SSE connection (send or resume). */
  path: string[]
  clientDrops: number
  /** Connections that ended without a terminal event and without the client asking (a killed instance). */
  broken: number
  resumes: number
  sendRetries: number
  /** `done`, `error:<code>`, `http:<status>:<code>` or `lost:<why>`. */
  end: string
  visibleEqualsSim: boolean
  seqOk: boolean
  ms: number
}

export interface Segment {
  status: number
  events: ReceivedEvent[]
  /** Set when the connection failed or was cut (not by us). */
  broke?: string
  /** Set when we dropped it on purpose. */
  dropped?: boolean
  body?: unknown
}

const isTerminal = (e: ReceivedEvent | undefined) => e !== undefined && isTerminalEvent(e)
export const seqOf = (e: ReceivedEvent) => Number(e.id.split(':')[1])
export const errorCodeOf = (body: unknown) =>
  (body as { error?: { code?: string } } | undefined)?.error?.code ??
  (body as { code?: string } | undefined)?.code ??
  '?'

export interface KillRecord {
  atMs?: number
  restartedAtMs?: number
  openOnAAtKill?: number
  exitCode?: number | null
}

interface ChatRunnerDeps {
  cluster: Awaited<ReturnType<typeof startCluster>>
  slots: [Slot, Slot]
  runId: string
  killAtIndex: number
  sinceStart: () => number
}

export function createChatRunner({ cluster, slots, runId, killAtIndex, sinceStart }: ChatRunnerDeps) {
  const secret = cluster.env.USER_ID_SECRET!
  let killing: Promise<void> | undefined
  const kill: KillRecord = {}

  const liveSlots = () => slots.filter((s) => s.alive && s.instance)
  /** The instance for chat i: round-robin over A/B, B while A is down. */
  const pick = (i: number) => {
    const s = slots[i % 2]!
    return s.alive ? s : liveSlots()[0]!
  }
  const other = (s: Slot) => liveSlots().find((x) => x !== s) ?? liveSlots()[0]!

  async function killAndRestart() {
    const A = slots[0]
    A.alive = false
    kill.atMs = sinceStart()
    kill.openOnAAtKill = A.open
    console.error(`soak: SIGKILL A at ${kill.atMs} ms (${A.open} open streams on it)`)
    kill.exitCode = await A.instance!.kill('SIGKILL')
    await sleep(RESTART_AFTER_MS)
    A.instance = await cluster.start("A'")
    A.open = 0
    A.alive = true
    kill.restartedAtMs = sinceStart()
    console.error(`soak: A' up at ${kill.restartedAtMs} ms`)
  }

  /** One SSE connection (send or resume), dropped by us after `dropAfter` events when given. */
  async function segment(slot: Slot, req: Request, dropAfter?: number): Promise<Segment> {
    const events: ReceivedEvent[] = []
    const ours = new AbortController()
    const timeout = setTimeout(() => ours.abort(new Error('segment timeout')), SEGMENT_TIMEOUT_MS)
    let dropped = false
    slot.open++
    try {
      const res = await fetch(req, { signal: ours.signal })
      const r = await readStream(res, {
        onEvent: (e) => {
          events.push(e)
          if (dropAfter !== undefined && events.length >= dropAfter && !isTerminal(e) && !dropped) {
            dropped = true
            ours.abort(new Error('client drop'))
          }
        },
      })
      return {
        status: r.status,
        events,
        body: r.body,
        broke: isTerminal(events.at(-1)) ? undefined : 'eof',
      }
    } catch (err) {
      if (dropped) return { status: 200, events, dropped: true }
      return {
        status: 0,
        events,
        broke: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      }
    } finally {
      clearTimeout(timeout)
      slot.open--
    }
  }

  async function createSession(first: Slot, phone: string) {
    let slot = first
    for (let attempt = 0; ; attempt++) {
      try {
        return (await cluster.client(slot.instance!).createSession({ phone })).token
      } catch (err) {
        if (attempt >= 3) throw err
        await sleep(200 * (attempt + 1))
        slot = other(slot)
      }
    }
  }

  async function runChat(i: number): Promise<ChatRecord> {
    const began = Date.now()
    if (i === killAtIndex && !killing) killing = killAndRestart()
    const tokens = between(40, 120) // ~1–3 s at 40 tokens/s
    const question = `浸泡测试第 ${i} 题：${randomBytes(4).toString('hex')} 怎么办？ [[sim:tps=${TPS},tokens=${tokens}]]`
    const phone = randomPhone()
    const rec: ChatRecord = {
      i,
      question,
      phone,
      userId: pseudonymOf(secret, phone),
      path: [],
      clientDrops: 0,
      broken: 0,
      resumes: 0,
      sendRetries: 0,
      end: 'lost:not-started',
      visibleEqualsSim: false,
      seqOk: false,
      ms: 0,
    }
    const events: ReceivedEvent[] = []
    const finish = (end: string) => {
      rec.end = end
      rec.visibleEqualsSim = visibleAnswerOf(events) === cluster.sim.answerFor(question).text
      const seqs = events.map(seqOf)
      rec.seqOk = seqs.every((s, k) => k === 0 || s > seqs[k - 1]!)
      rec.ms = Date.now() - began
      return rec
    }
    let slot = pick(i)
    let token: string
    try {
      token = await createSession(slot, phone)
    } catch (err) {
      return finish(`lost:session:${String(err)}`)
    }
    const auth = { authorization: `Bearer ${token}` }
    const body = JSON.stringify({ message: question, clientMessageId: `soak-${i}-${runId}` })
    const dropAfter = random() < DROP_RATE ? between(2, 15) : undefined

    // Send; a connection that fails before `meta` is retried elsewhere with the same clientMessageId.
    for (let attempt = 0; ; attempt++) {
      rec.path.push(slot.instance!.name)
      const req = new Request(`${slot.instance!.url}/api/chat/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body,
      })
      const seg = await segment(slot, req, dropAfter)
      events.push(...seg.events)
      if (seg.dropped) rec.clientDrops++
      else if (seg.broke && seg.status !== 0 && seg.status !== 200)
        return finish(`http:${seg.status}:${errorCodeOf(seg.body)}`)
      else if (seg.broke) rec.broken++
      if (events.length || attempt + 1 >= MAX_SEND_ATTEMPTS) break
      rec.sendRetries++
      await sleep(300 * (attempt + 1))
      slot = other(slot)
    }
    const meta = events.find((e) => e.event === 'meta')
    if (!meta) return finish('lost:no-meta')
    rec.messageId = (meta.data as { messageId: string }).messageId

    // Resume elsewhere with Last-Event-ID until the terminal event (bounded).
    while (!isTerminal(events.at(-1))) {
      if (rec.resumes >= MAX_RESUMES) return finish('lost:too-many-resumes')
      rec.resumes++
      await sleep(Math.min(100 * 2 ** (rec.resumes - 1), 2000))
      slot = other(slot)
      rec.path.push(slot.instance!.name)
      const req = new Request(`${slot.instance!.url}/api/chat/stream/${rec.messageId}`, {
        headers: { ...auth, 'last-event-id': events.at(-1)!.id },
      })
      const seg = await segment(slot, req, random() < RESUME_DROP_RATE ? between(1, 10) : undefined)
      events.push(...seg.events)
      if (seg.dropped) rec.clientDrops++
      else if (seg.broke && seg.status !== 0 && seg.status !== 200)
        return finish(`http:${seg.status}:${errorCodeOf(seg.body)}`)
      else if (seg.broke) rec.broken++
    }
    const last = events.at(-1)!
    return finish(last.event === 'done' ? 'done' : `error:${errorCodeOf(last.data)}`)
  }

  return { runChat, kill, killed: () => killing }
}
