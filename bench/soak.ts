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
 * The parts: soak/options.ts (flags, seeded randomness), soak/chats.ts (one client), soak/census.ts.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { buildService } from '../scripts/build-service'
import { openMysqlStore } from '../packages/server/src/store/mysql'
import type { Store } from '../packages/server/src/store/types'
import { startCluster } from '../packages/server/test/instances'
import { testMysqlUrl, testRedisUrl } from '../test/env'
import { takeCensus } from './soak/census'
import { createChatRunner, type ChatRecord, type Slot } from './soak/chats'
import { clearRedisPrefix, provideTestRunId } from './soak/cleanup'
import {
  assertLoopback,
  CHATS,
  CONCURRENCY,
  DROP_RATE,
  KILL_AT,
  RESTART_AFTER_MS,
  RESUME_DROP_RATE,
  SEED,
  TPS,
  WATCHDOG_MS,
} from './soak/options'
import { printTable } from './soak/report'

async function main() {
  const startedAt = new Date()
  const runId = `vcsoak_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  assertLoopback(testMysqlUrl())
  assertLoopback(testRedisUrl())
  provideTestRunId(runId, await buildService())
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
    const killAtIndex = Math.min(CHATS - 1, Math.floor(CHATS * KILL_AT))
    const t0 = Date.now()
    const sinceStart = () => Date.now() - t0
    const chats = createChatRunner({ cluster, slots, runId, killAtIndex, sinceStart })

    // Bounded-concurrency pool.
    const records: ChatRecord[] = []
    let next = 0
    let ended = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CHATS) {
          const i = next++
          records[i] = await chats.runChat(i)
          if (++ended % Math.max(1, Math.floor(CHATS / 10)) === 0)
            console.error(`soak: ${ended}/${CHATS} chats ended (${sinceStart()} ms)`)
        }
      }),
    )
    await chats.killed()
    const census = await takeCensus({
      store,
      cluster,
      records,
      instances: [a, b, slots[0].instance],
      clientsMs: sinceStart(),
      sinceStart,
    })
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
      kill: chats.kill,
      leaseHeartbeatMs: cluster.env.LEASE_HEARTBEAT_MS,
      sweepIntervalMs: cluster.env.SWEEP_INTERVAL_MS,
      recoveryPollMs: cluster.env.RECOVERY_POLL_MS,
      node: process.version,
      cpus: cpus().length,
      loadavgBefore: load.before,
      loadavgAfter: loadavg().map((x) => +x.toFixed(2)),
    }
    finished = true

    printTable(census.figures, conditions)
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
    const file = new URL(
      `./results/soak-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`,
      import.meta.url,
    )
    const { ok, figures, anomalies, instanceWarnings } = census
    const chatsOut = records.map(({ question: _q, phone: _p, userId: _u, ...r }) => r)
    writeFileSync(
      file,
      JSON.stringify({ ok, figures, conditions, anomalies, instanceWarnings, chats: chatsOut }, null, 2),
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

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err)
    process.exit(2)
  },
)
