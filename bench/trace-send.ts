/**
 * Where the time to the first delta goes: one Chat Service in this process (built the way
 * packages/server/test/harness.ts builds it: MariaDB, Redis, coze-sim, all guards on), every Redis
 * command and archive call timed, then sequential sends. Prints the median timeline of one send from
 * `POST /api/chat/send` to the first `delta`: which round trips run one after another before Coze is
 * even asked. A diagnostic for bench/README.md, not part of `npm run bench`.
 *
 *   npx tsx bench/trace-send.ts [sends=100]
 */
import { performance } from 'node:perf_hooks'
import { Writable } from 'node:stream'
import pino from 'pino'
import { Redis } from 'ioredis'
import { startCozeSim } from '@volcano-chat/coze-sim'
import { buildApp } from '../packages/server/src/app/app'
import { loadConfig } from '../packages/server/src/core/config'
import { loggerOptions } from '../packages/server/src/core/logger'
import { openServices } from '../packages/server/src/app/services'
import type { Store } from '../packages/server/src/store/types'
import { Chatter, question } from './lib/chatter'
import {
  BOT_ID,
  cozeEnv,
  createDatabase,
  keyPair,
  PAT,
  redisPrefix,
  runSuffix,
  S2S_KEY,
  simTrusting,
} from './lib/infra'
import { summarise } from './lib/stats'

interface Op {
  what: string
  start: number
  end: number
}
let ops: Op[] | undefined
const record = (what: string, start: number) =>
  ops ? (end: number) => ops?.push({ what, start, end }) : undefined

// Every Redis command the service sends (the prototype is shared with the service's clients).
type SendCommand = (
  this: Redis,
  command: { name: string; promise: Promise<unknown> },
  ...rest: unknown[]
) => unknown
const proto = Redis.prototype as unknown as { sendCommand: SendCommand }
const original = proto.sendCommand
proto.sendCommand = function (command, ...rest) {
  const done = record(`redis ${command.name}`, performance.now())
  if (done)
    command.promise.then(
      () => done(performance.now()),
      () => done(performance.now()),
    )
  return original.call(this, command, ...rest)
}

/** Times each archive call. */
const timedStore = (s: Store): Store =>
  new Proxy(s, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        const done = record(`mysql ${String(prop)}`, performance.now())
        const r = (v as (...a: unknown[]) => unknown).apply(target, args)
        if (done && r instanceof Promise)
          r.then(
            () => done(performance.now()),
            () => done(performance.now()),
          )
        return r
      }
    },
  })

const sends = Number(process.argv[2] ?? 100)
const suffix = runSuffix()
const keys = keyPair()
const sim = await startCozeSim({
  ...simTrusting(keys.publicKeyPem),
  firstTokenDelayMs: 0,
  tokensPerSecond: 0,
})
const db = await createDatabase(suffix)
const redis = await redisPrefix(suffix)
const config = loadConfig({
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  DATABASE_URL: db.url,
  REDIS_URL: redis.url,
  REDIS_PREFIX: redis.prefix,
  ...cozeEnv(sim.url, keys.privateKeyPem),
  USER_ID_SECRET: `trace-${suffix}-user-id-secret`,
  AUDIT_KEY: `trace-${suffix}-audit-key-0123456789`,
  RATE_LIMIT_USER_MESSAGES_PER_MINUTE: '1000000',
  RATE_LIMIT_IP_MESSAGES_PER_MINUTE: '1000000',
  RATE_LIMIT_IP_REQUESTS_PER_MINUTE: '1000000',
})
const log = pino(loggerOptions('info'), new Writable({ write: (_c, _e, done) => done() }))
const services = await openServices(config, { log, wrapStore: timedStore })
const app = await buildApp(services)
const url = await app.listen({ host: '127.0.0.1', port: 0 })
let cozeAskedAt = 0
sim.on('chat', () => (cozeAskedAt = performance.now()))

try {
  const c = new Chatter('c', {
    simUrl: sim.url,
    serviceUrl: url,
    pat: PAT,
    botId: BOT_ID,
    s2s: S2S_KEY,
    runSeed: Number.parseInt(suffix, 16) % 100_000,
  })
  await c.prepare()
  const q = question({ ttft: 0, tps: 0, tokens: 5 })
  for (let i = 0; i < 20; i++) await c.send(q) // warm-up (and the conversation)
  const traces: { total: number; coze: number; ops: Op[] }[] = []
  for (let i = 0; i < sends; i++) {
    ops = []
    let firstAt = 0
    const r = await c.send(q, { onToken: (at, n) => void (n === 0 && (firstAt = at)) })
    const mine = ops
      .filter((o) => o.start <= firstAt)
      .map((o) => ({ ...o, start: o.start - r.t0, end: o.end - r.t0 }))
    ops = undefined
    if (r.ok) traces.push({ total: firstAt - r.t0, coze: cozeAskedAt - r.t0, ops: mine })
  }
  const totals = summarise(traces.map((t) => t.total))
  const coze = summarise(traces.map((t) => t.coze))
  const median = [...traces].sort((x, y) => x.total - y.total)[Math.floor(traces.length / 2)]!
  const f = (v: number) => v.toFixed(2).padStart(6)
  console.log(`${traces.length} sequential sends, sim first token at 0 ms (times in ms from the send)`)
  console.log(`first delta: p50 ${totals.p50.toFixed(2)}, p99 ${totals.p99.toFixed(2)}`)
  console.log(
    `Coze asked (POST /v3/chat reached the sim): p50 ${coze.p50.toFixed(2)}, p99 ${coze.p99.toFixed(2)}`,
  )
  console.log(`\nthe median send (${median.total.toFixed(2)} ms; Coze asked at ${median.coze.toFixed(2)}):`)
  console.log(' start    end    dur  operation')
  for (const o of median.ops.sort((x, y) => x.start - y.start)) {
    console.log(
      `${f(o.start)} ${f(o.end)} ${f(o.end - o.start)}  ${o.what}${o.start > median.coze ? '  (after Coze was asked)' : ''}`,
    )
  }
  // Mean per operation kind across sends, before Coze was asked.
  const kinds = new Map<string, { n: number; ms: number }>()
  for (const t of traces)
    for (const o of t.ops.filter((x) => x.start < t.coze)) {
      const k = kinds.get(o.what) ?? { n: 0, ms: 0 }
      kinds.set(o.what, { n: k.n + 1, ms: k.ms + o.end - o.start })
    }
  console.log('\nbefore Coze is asked, per send (mean count × mean duration):')
  for (const [k, v] of [...kinds].sort((a, b) => b[1].ms - a[1].ms))
    console.log(`  ${(v.n / traces.length).toFixed(1)} × ${(v.ms / v.n).toFixed(2)} ms  ${k}`)
} finally {
  await app.close()
  await services.close()
  await sim.close()
  await db.drop()
  await redis.clear()
}
