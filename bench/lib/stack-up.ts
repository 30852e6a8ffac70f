/**
 * A bench run's stack, started in order and registered for cleanup as it goes: a database and Redis
 * prefix of its own, an RSA key pair (the service uses OAuth JWT against the sim, like production),
 * coze-sim, way (b)'s proxy, the service (the production bundle), the load generator, the CPU sampler.
 */
import { openSync } from 'node:fs'
import { join } from 'node:path'
import { buildService } from '../../scripts/build-service'
import type { Ctx } from '../scenarios/context'
import { packageVersions, root } from './files'
import { BOT_ID, cozeEnv, createDatabase, keyPair, PAT, redisPrefix, S2S_KEY } from './infra'
import { log } from './log'
import { ensureNginx, nginxVersion, startNginx, type Proxy } from './nginx'
import type { Plan } from './plan'
import { cpuSampler, launch, nofileOf, pidsByName, stopProcess } from './procs'
import type { Way } from './protocol'
import { freePort } from '../../test/ports'
import { GENEROUS_LIMITS, listeningOverIpc, startLoadgen, startNodeRelay, startSim, waitReady } from './stack'

export interface Cleanups {
  push(what: string, fn: () => Promise<unknown>): void
  run(): Promise<void>
}

interface StackOptions {
  plan: Plan
  suffix: string
  /** The run's temporary directory (service.log, nginx's files). */
  dir: string
  profileDir: string
  cleanups: Cleanups
  /** Filled with what the run used (MariaDB, Redis, nginx or the node relay). */
  versions: Record<string, string>
}

export async function startStack(o: StackOptions): Promise<Ctx & { serviceLogFile: string }> {
  const { plan, cleanups } = o
  const keys = keyPair()
  const [db, redis] = await Promise.all([createDatabase(o.suffix), redisPrefix(o.suffix)])
  cleanups.push('database', () => db.drop())
  cleanups.push('redis prefix', () => redis.clear())
  o.versions.mariadb = db.version
  o.versions.redis = redis.version

  const sim = await startSim(keys.publicKeyPem, plan.nofile)
  cleanups.push('coze-sim', () => stopProcess(sim.proc, 'SIGTERM', 5000))
  const { proxy, proxySkip } = await startProxy(o, sim.url)
  if (proxySkip) log(`way (b) ${plan.proxy}: ${proxySkip}`)

  const serviceLogFile = join(o.dir, 'service.log')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0', // it reports where it listens over IPC (main.ts)
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    ...cozeEnv(sim.url, keys.privateKeyPem),
    COZE_WS_BASE: sim.url.replace(/^http/, 'ws'),
    USER_ID_SECRET: `bench-${o.suffix}-user-id-secret`,
    AUDIT_KEY: `bench-${o.suffix}-audit-key-0123456789`,
    SHUTDOWN_GRACE_MS: '2000',
    LOG_LEVEL: plan.logLevel,
    ...GENEROUS_LIMITS,
  }
  const nodeArgs = [...plan.nodeArgs]
  if (plan.profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${o.profileDir}`)
  if (plan.heapSnapshot) nodeArgs.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${o.profileDir}`)
  const proc = launch(process.execPath, [...nodeArgs, await buildService()], {
    cpu: 0,
    nofile: plan.nofile,
    env,
    cwd: root,
    stdio: ['ignore', openSync(serviceLogFile, 'a'), 'pipe', 'ipc'],
  })
  const stderr: string[] = []
  proc.stderr!.on('data', (b: Buffer) => stderr.length < 200 && stderr.push(b.toString()))
  cleanups.push('service', () => stopProcess(proc, 'SIGTERM', 30_000))
  const serviceUrl = await listeningOverIpc(proc)
  await waitReady(serviceUrl, proc, stderr)

  const loadgen = startLoadgen(plan.nofile)
  cleanups.push('load generator', () => stopProcess(loadgen.proc, 'SIGTERM', 5000))
  await loadgen.ready
  await loadgen.call({
    kind: 'init',
    endpoints: {
      simUrl: sim.url,
      proxyUrl: proxy?.url,
      serviceUrl,
      pat: PAT,
      botId: BOT_ID,
      s2s: S2S_KEY,
      runSeed: Number.parseInt(o.suffix, 16) % 100_000,
    },
  })
  for (const [name, pid] of [
    ['service', proc.pid],
    ['loadgen', loadgen.proc.pid],
    ['sim', sim.proc.pid],
  ] as const) {
    const limit = pid ? nofileOf(pid) : undefined
    if (limit !== undefined && limit < plan.nofile) log(`${name}: open-file limit only ${limit}`)
  }

  const sampler = cpuSampler(() => ({
    service: [proc.pid!],
    proxy: proxy?.workers() ?? [],
    sim: [sim.proc.pid!],
    loadgen: [loadgen.proc.pid!],
    redis: pidsByName('redis-server'),
    mysql: [...pidsByName('mariadbd'), ...pidsByName('mysqld')],
  }))
  cleanups.push('sampler', async () => sampler.stop())
  const ways: Way[] = proxy ? ['a', 'b', 'c'] : ['a', 'c']
  return {
    profileDir: o.profileDir,
    plan,
    loadgen,
    sampler,
    ways,
    serviceUrl,
    servicePid: proc.pid!,
    proxy,
    sim,
    proxySkip,
    serviceLogFile,
  }
}

/** Way (b): nginx, or the bare node relay with `--proxy node`; skipped with a reason where it cannot run. */
async function startProxy(o: StackOptions, simUrl: string): Promise<{ proxy?: Proxy; proxySkip?: string }> {
  const { plan, cleanups } = o
  if (!plan.nginx) return { proxySkip: 'skipped (--no-nginx)' }
  if (plan.proxy === 'node') {
    const proxy = await startNodeRelay(simUrl, plan.nofile)
    cleanups.push('node relay', () => stopProcess(proxy.master, 'SIGTERM', 5000))
    o.versions.nodeRelay = packageVersions(['fastify', 'undici'])
    return { proxy }
  }
  const found = ensureNginx(plan.installNginx && !plan.quick, log)
  if (!found.path) return { proxySkip: found.reason }
  o.versions.nginx = nginxVersion(found.path)
  try {
    const proxy = await startNginx({
      path: found.path,
      dir: o.dir,
      port: await freePort(),
      upstreamPort: Number(new URL(simUrl).port),
      cpu: 0,
      nofile: plan.nofile,
    })
    cleanups.push('nginx', () => stopProcess(proxy.master, 'SIGQUIT', 5000))
    return { proxy }
  } catch (err) {
    return { proxySkip: `nginx did not start: ${(err as Error).message}` }
  }
}
