/**
 * Reproduction (found while building bench/soak.ts): an instance killed after it reserved a send's
 * `clientMessageId` but before it inserted the question row leaves the reservation pointing at a message
 * that never exists. Retrying the same send (same clientMessageId, as the widget does after a drop before
 * any event id, packages/widget/src/api/stream.ts) on a healthy instance then answers 404
 * MESSAGE_NOT_FOUND for the reservation's whole TTL (24 h) instead of starting the answer.
 *
 *   npx tsx bench/soak/repro-orphan-reservation.ts    (exit 0: reproduced, 1: not reproduced)
 *
 * The kill is timed with the sim's 'request' hook: A is SIGKILLed when its `/v1/conversation/create`
 * reaches the sim, i.e. after `kv.set(client-msg:…, nx)` and before `store.insertQuestion` (relay.ts).
 */
import { randomBytes } from 'node:crypto'
import { randomPhone } from '../../packages/server/test/harness'
import { startCluster, type Instance } from '../../packages/server/test/instances'
import { readStream } from '../../packages/server/test/sse-client'
import { buildService } from '../../scripts/build-service'
import { clearRedisPrefix, provideTestRunId } from './cleanup'

provideTestRunId(`vcsoak_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`, await buildService())

const cluster = await startCluster()
let killOn: { path: string; victim: Instance } | undefined
cluster.sim.on('request', (r) => {
  if (killOn && r.path.startsWith(killOn.path) && killOn.victim.proc.exitCode === null)
    killOn.victim.proc.kill('SIGKILL')
})
const show = (s: Awaited<ReturnType<typeof readStream>>) =>
  `HTTP ${s.status} ${JSON.stringify(s.body ?? s.events.at(-1))}`

let reproduced = false
try {
  const b = await cluster.start('B')
  const { token } = await cluster.client(b).createSession({ phone: randomPhone() })
  const send = (on: Instance, body: object) =>
    fetch(`${on.url}/api/chat/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    })
  const killedSend = async (victim: Instance, path: string, body: object) => {
    killOn = { path, victim }
    const r = await send(victim, body).then(
      (res) => `HTTP ${res.status}`,
      (err: unknown) => `network error (${String((err as Error).cause ?? err)})`,
    )
    await victim.kill('SIGKILL')
    killOn = undefined
    await new Promise((res) => setTimeout(res, 1500)) // the victim's heartbeat key expires (3 × 200 ms)
    return r
  }

  const body1 = { message: '重试同一条消息 [[sim:tps=100]]', clientMessageId: 'cm-repro-1' }
  console.log(
    `send on A, killed mid-send: ${await killedSend(await cluster.start('A'), '/v1/conversation/create', body1)}`,
  )
  const retry = await readStream(await send(b, body1))
  console.log(`retry on B, same clientMessageId: ${show(retry)}`)
  if (retry.status === 404) reproduced = true

  console.log(reproduced ? `REPRODUCED: the retry is refused with 404` : 'not reproduced')
} finally {
  await cluster.close()
  await clearRedisPrefix(cluster.env.REDIS_PREFIX!)
}
process.exit(reproduced ? 0 : 1)
