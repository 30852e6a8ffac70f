/**
 * Soak run for issue 5 ("Must show" 8), not part of `npm test`:
 *
 *   npx tsx bench/soak.ts [--chats 500] [--concurrency 25] [--drop-rate 0.3] [--kill-at 0.4] [--seed 1]
 *
 * Two Chat Service instances (child processes, real MariaDB + Redis, short lease/sweep timings, from
 * packages/server/test/instances.ts) answer N chats with distinct questions from the in-process coze-sim,
 * round-robin with bounded concurrency. Some clients drop mid-answer and resume on the other instance with
 * Last-Event-ID; at `--kill-at` of the chats instance A is SIGKILLed, a new A' is started on the same
 * database and Redis prefix, and A's clients resume on B. At the end it waits (bounded) for no row to be
 * `in_progress`, checks every archived answer against the sim's, prints a Markdown table and writes JSON to
 * bench/results/soak-<timestamp>.json. Exit 1 when a row stays `in_progress` or a `completed` row's answer
 * differs from the sim's; 2 when the run itself broke (watchdog, start-up failure).
 *
 * Only 127.0.0.1: the sim listens on loopback, the instances bind HOST=127.0.0.1, MySQL/Redis are the test
 * services (TEST_MYSQL_URL / TEST_REDIS_URL, loopback by default; anything else is refused).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { createConnection } from 'mysql2/promise'
import { pseudonymOf } from '../packages/server/src/identity/phone'
import { openMysqlStore } from '../packages/server/src/store/mysql'
import type { MessageStatus, Store } from '../packages/server/src/store/types'
import { randomPhone } from '../packages/server/test/harness'
import { startCluster, type Instance } from '../packages/server/test/instances'
import { readStream, visibleAnswerOf, type ReceivedEvent } from '../packages/server/test/sse-client'
import { testMysqlUrl, testRedisUrl } from '../test/env'
import { clearRedisPrefix, provideTestRunId } from './soak/cleanup'

const { values: args } = parseArgs({
  options: {
    chats: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '25' },
    'drop-rate': { type: 'string', default: '0.3' },
    'resume-drop-rate': { type: 'string', default: '0.1' },
    'kill-at': { type: 'string', default: '0.4' },
    'restart-after-ms': { type: 'string', default: '2000' },
    tps: { type: 'string', default: '40' },
    'settle-ms': { type: 'string', default: '60000' },
    seed: { type: 'string' },
  },
})

const num = (name: keyof typeof args, min: number, max: number) => {
  const v = Number(args[name])
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be in [${min}, ${max}]`)
  return v
}
const CHATS = Math.floor(num('chats', 1, 5000))
const CONCURRENCY = Math.floor(num('concurrency', 1, 200))
const DROP_RATE = num('drop-rate', 0, 1)
const RESUME_DROP_RATE = num('resume-drop-rate', 0, 0.9)
const KILL_AT = num('kill-at', 0, 1)
const RESTART_AFTER_MS = Math.floor(num('restart-after-ms', 0, 60_000))
const TPS = num('tps', 1, 1000)
const SETTLE_MS = Math.floor(num('settle-ms', 1000, 300_000))
const SEED = args.seed === undefined ? randomBytes(4).readUInt32LE() : Math.floor(num('seed', 0, 2 ** 32 - 1))

/** Per-request and per-phase bounds: nothing here waits forever. */
const SEGMENT_TIMEOUT_MS = 60_000
const MAX_SEND_ATTEMPTS = 4
const MAX_RESUMES = 10
const WATCHDOG_MS = 10 * 60_000 + CHATS * 2_000

/** mulberry32: reproducible drops and answer lengths for one --seed. */
const random = (() => {
  let a = SEED
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
})()
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function assertLoopback(url: string) {
  const host = new URL(url).hostname
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host))
    throw new Error(`the soak only talks to 127.0.0.1, not ${host}`)
}

// ---------------------------------------------------------------------------------------------------------

interface Slot {
  label: 'A' | 'B'
  instance?: Instance
  alive: boolean
  /** Open SSE connections from this script to the instance. */
  open: number
}

interface ChatRecord {
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

interface Segment {
  status: number
  events: ReceivedEvent[]
  /** Set when the connection failed or was cut (not by us). */
  broke?: string
  /** Set when we dropped it on purpose. */
  dropped?: boolean
  body?: unknown
}

const isTerminal = (e: ReceivedEvent | undefined) => e?.event === 'done' || e?.event === 'error'
const seqOf = (e: ReceivedEvent) => Number(e.id.split(':')[1])
const errorCodeOf = (body: unknown) =>
  (body as { error?: { code?: string } } | undefined)?.error?.code ??
  (body as { code?: string } | undefined)?.code ??
  '?'

async function main() {
  const startedAt = new Date()
  const runId = `vcsoak_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  assertLoopback(testMysqlUrl())
  assertLoopback(testRedisUrl())
  provideTestRunId(runId)
  const load = { before: loadavg().map((x) => +x.toFixed(2)) }

  const cluster = await startCluster({
    env: {
      // Every client of the soak is 127.0.0.1 and uses one S2S key: per-IP and per-key limits are raised
      // so they do not turn the soak into a rate-limit test. Per-user limits keep their defaults.
      RATE_LIMIT_IP_REQUESTS_PER_MINUTE: '1000000',
      RATE_LIMIT_IP_MESSAGES_PER_MINUTE: '1000000',
      RATE_LIMIT_IP_MESSAGES_PER_DAY: '10000000',
      RATE_LIMIT_S2S_KEY_PER_MINUTE: '1000000',
      RATE_LIMIT_S2S_IP_PER_MINUTE: '1000000',
    },
  })
  let store: Store | undefined
  let finished = false
  const cleanup = async () => {
    await store?.close().catch(() => undefined)
    await cluster.close().catch((err: unknown) => console.error('cluster close failed', err))
    await clearRedisPrefix(cluster.env.REDIS_PREFIX!).catch((err: unknown) =>
      console.error('redis cleanup failed', err),
    )
  }
  const watchdog = setTimeout(() => {
    console.error(`soak: watchdog after ${WATCHDOG_MS} ms, giving up`)
    void cleanup().finally(() => process.exit(2))
  }, WATCHDOG_MS)
  watchdog.unref()
  process.once('SIGINT', () => {
    console.error('soak: interrupted, cleaning up')
    void cleanup().finally(() => process.exit(130))
  })

  try {
    const [a, b] = await Promise.all([cluster.start('A'), cluster.start('B')])
    store = await openMysqlStore(cluster.db.url)
    const slots: [Slot, Slot] = [
      { label: 'A', instance: a, alive: true, open: 0 },
      { label: 'B', instance: b, alive: true, open: 0 },
    ]
    const secret = cluster.env.USER_ID_SECRET!
    const killAtIndex = Math.min(CHATS - 1, Math.floor(CHATS * KILL_AT))
    let killing: Promise<void> | undefined
    const kill: {
      atMs?: number
      restartedAtMs?: number
      openOnAAtKill?: number
      exitCode?: number | null
    } = {}
    const t0 = Date.now()
    const sinceStart = () => Date.now() - t0

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

    // Bounded-concurrency pool.
    const records: ChatRecord[] = []
    let next = 0
    let ended = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CHATS) {
          const i = next++
          records[i] = await runChat(i)
          if (++ended % Math.max(1, Math.floor(CHATS / 10)) === 0)
            console.error(`soak: ${ended}/${CHATS} chats ended (${sinceStart()} ms)`)
        }
      }),
    )
    await killing
    const clientsMs = sinceStart()

    // Bounded wait until no row is in_progress (the sweeper reconciles orphans).
    const settleStart = Date.now()
    let inProgress = await store.listInProgress(Date.now() + 3600_000, 1000)
    while (inProgress.length && Date.now() - settleStart < SETTLE_MS) {
      await sleep(250)
      inProgress = await store.listInProgress(Date.now() + 3600_000, 1000)
    }
    const settleMs = Date.now() - settleStart

    // Census of every row (also rows no client ever learnt the id of).
    const conn = await createConnection(cluster.db.url)
    const [rowsRaw] = await conn.query(
      'SELECT id, user_id, question, answer, status, error_code FROM chat_message ORDER BY asked_at',
    )
    await conn.end()
    const rows = rowsRaw as {
      id: string
      user_id: string
      question: string
      answer: string
      status: MessageStatus
      error_code: string | null
    }[]
    const byStatus: Record<string, number> = {}
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1
    const completed = rows.filter((r) => r.status === 'completed')
    const completedEqual = completed.filter((r) => r.answer === cluster.sim.answerFor(r.question).text)
    const completedDiffer = completed.filter((r) => r.answer !== cluster.sim.answerFor(r.question).text)
    const notCompleted = rows.filter((r) => r.status !== 'completed')

    // Per chat: the row the client's messageId names, via the store.
    const rowOf = new Map<number, Awaited<ReturnType<Store['getMessage']>>>()
    for (const r of records) if (r.messageId) rowOf.set(r.i, await store.getMessage(r.userId, r.messageId))
    const clientVsRow = records.filter((r) => {
      const row = rowOf.get(r.i)
      return r.end === 'done' && row && row.status !== 'completed'
    })

    const count = (f: (r: ChatRecord) => boolean) => records.filter(f).length
    const endCounts: Record<string, number> = {}
    for (const r of records) endCounts[r.end] = (endCounts[r.end] ?? 0) + 1
    const logLines = (i: Instance | undefined) =>
      (i?.output.join('') ?? '').split('\n').filter((l) => /"level":(40|50|60)/.test(l))
    const instanceLogs = Object.fromEntries(
      [a, b, slots[0].instance].filter(Boolean).map((i) => [i!.name, logLines(i)]),
    )

    const figures = {
      chats: CHATS,
      rows: rows.length,
      completed: byStatus.completed ?? 0,
      failed: byStatus.failed ?? 0,
      interrupted: byStatus.interrupted ?? 0,
      cancelled: byStatus.cancelled ?? 0,
      inProgressAtEnd: inProgress.length,
      completedAnswerEqualsSim: completedEqual.length,
      completedAnswerDiffers: completedDiffer.length,
      clientsEndedDone: count((r) => r.end === 'done'),
      clientsVisibleAnswerEqualsSim: count((r) => r.visibleEqualsSim),
      clientsDoneButVisibleDiffers: count((r) => r.end === 'done' && !r.visibleEqualsSim),
      clientsSeqNotIncreasing: count((r) => !r.seqOk),
      clientsDoneButRowNotCompleted: clientVsRow.length,
      clientDrops: records.reduce((n, r) => n + r.clientDrops, 0),
      chatsWithClientDrop: count((r) => r.clientDrops > 0),
      brokenByKill: records.reduce((n, r) => n + r.broken, 0),
      resumes: records.reduce((n, r) => n + r.resumes, 0),
      sendRetries: records.reduce((n, r) => n + r.sendRetries, 0),
      cozeChatsStarted: cluster.sim.stats.chatCalls,
      cozeRetrieveCalls: cluster.sim.stats.retrieveCalls,
      cozeMessageListCalls: cluster.sim.stats.messageListCalls,
      clientEnds: endCounts,
      clientsMs,
      settleMs,
      totalMs: sinceStart(),
      p50ChatMs: percentile(
        records.map((r) => r.ms),
        0.5,
      ),
      p95ChatMs: percentile(
        records.map((r) => r.ms),
        0.95,
      ),
    }
    const conditions = {
      startedAt: startedAt.toISOString(),
      seed: SEED,
      concurrency: CONCURRENCY,
      dropRate: DROP_RATE,
      resumeDropRate: RESUME_DROP_RATE,
      tokensPerSecond: TPS,
      tokensPerAnswer: '40–120',
      killAtChat: killAtIndex,
      restartAfterMs: RESTART_AFTER_MS,
      kill,
      leaseHeartbeatMs: cluster.env.LEASE_HEARTBEAT_MS,
      sweepIntervalMs: cluster.env.SWEEP_INTERVAL_MS,
      recoveryPollMs: cluster.env.RECOVERY_POLL_MS,
      node: process.version,
      cpus: cpus().length,
      loadavgBefore: load.before,
      loadavgAfter: loadavg().map((x) => +x.toFixed(2)),
    }
    const ok = inProgress.length === 0 && completedDiffer.length === 0
    finished = true

    printTable(figures, conditions)
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
    const file = new URL(
      `./results/soak-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`,
      import.meta.url,
    )
    writeFileSync(
      file,
      JSON.stringify(
        {
          ok,
          figures,
          conditions,
          anomalies: {
            inProgress: inProgress.map((r) => ({ id: r.id, question: r.question, cozeChatId: r.cozeChatId })),
            completedDiffers: completedDiffer.map((r) => ({
              id: r.id,
              question: r.question,
              answer: r.answer,
              expected: cluster.sim.answerFor(r.question).text,
            })),
            notCompleted: notCompleted.map((r) => ({ id: r.id, status: r.status, errorCode: r.error_code })),
            clients: records.filter((r) => r.end !== 'done' || !r.visibleEqualsSim || !r.seqOk),
            clientDoneRowNotCompleted: clientVsRow.map((r) => ({ i: r.i, row: rowOf.get(r.i)?.status })),
          },
          instanceWarnings: instanceLogs,
          chats: records.map(({ question: _q, phone: _p, userId: _u, ...r }) => r),
        },
        null,
        2,
      ),
    )
    console.log(`\nJSON: ${file.pathname}`)
    if (!ok) console.error('soak: FAILED (in_progress rows left or a completed answer differs)')
    return ok ? 0 : 1
  } finally {
    clearTimeout(watchdog)
    if (!finished) console.error('soak: run broke before the census')
    await cleanup()
  }
}

function percentile(xs: number[], p: number) {
  const s = [...xs].sort((x, y) => x - y)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0
}

function printTable(f: Record<string, unknown>, c: Record<string, unknown>) {
  const rows: [string, unknown][] = [
    ['chats sent', f.chats],
    ['rows in chat_message', f.rows],
    ['rows `completed`', f.completed],
    ['rows `failed`', f.failed],
    ['rows `interrupted`', f.interrupted],
    ['rows `cancelled`', f.cancelled],
    ['rows `in_progress` at the end', f.inProgressAtEnd],
    ['`completed` rows whose answer = sim', f.completedAnswerEqualsSim],
    ['`completed` rows whose answer ≠ sim', f.completedAnswerDiffers],
    ['clients ended with `done`', f.clientsEndedDone],
    ['clients whose visible answer = sim', f.clientsVisibleAnswerEqualsSim],
    ['clients `done` but visible ≠ sim', f.clientsDoneButVisibleDiffers],
    ['clients with a non-increasing seq', f.clientsSeqNotIncreasing],
    ['clients `done` but row not `completed`', f.clientsDoneButRowNotCompleted],
    ['client drops (chats with one)', `${String(f.clientDrops)} (${String(f.chatsWithClientDrop)})`],
    ['connections cut by the kill', f.brokenByKill],
    ['resumes (Last-Event-ID)', f.resumes],
    ['send retries before `meta`', f.sendRetries],
    ['Coze chats started on the sim', f.cozeChatsStarted],
    [
      'sim retrieve / message-list calls (recovery)',
      `${String(f.cozeRetrieveCalls)} / ${String(f.cozeMessageListCalls)}`,
    ],
    ['client endings', JSON.stringify(f.clientEnds)],
    ['chat p50 / p95 (ms)', `${String(f.p50ChatMs)} / ${String(f.p95ChatMs)}`],
    [
      'clients phase / settle / total (ms)',
      `${String(f.clientsMs)} / ${String(f.settleMs)} / ${String(f.totalMs)}`,
    ],
  ]
  const kill = c.kill as { atMs?: number; restartedAtMs?: number; openOnAAtKill?: number }
  console.log('\n| Soak | value |\n| --- | --- |')
  for (const [k, v] of rows) console.log(`| ${k} | ${String(v)} |`)
  console.log(
    `\nseed ${String(c.seed)}, concurrency ${String(c.concurrency)}, drop rate ${String(c.dropRate)}, ` +
      `A SIGKILLed at chat ${String(c.killAtChat)} (${String(kill.atMs)} ms, ${String(kill.openOnAAtKill)} open ` +
      `streams on A), A' up at ${String(kill.restartedAtMs)} ms; ${String(c.cpus)} CPUs, load ` +
      `${JSON.stringify(c.loadavgBefore)} → ${JSON.stringify(c.loadavgAfter)}, node ${String(c.node)}`,
  )
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err)
    process.exit(2)
  },
)
