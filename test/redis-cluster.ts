/**
 * Real Redis topologies on loopback for the tests of SPEC §6: a 3-master Redis Cluster (started once per
 * run by global-setup.ts; the outage test starts its own), one master watched by a Sentinel, and a
 * master with a replica that the Sentinel fails over. Each server runs from `redis-server` in
 * its own temporary folder, with nothing persisted; `stop()` kills them and removes the folder.
 * Neither a cluster node nor a sentinel can listen on port 0 (they announce their port), so ports are
 * picked free and the start is retried with new ones when a port was taken in between.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './ports'
import { waitFor } from './wait-for'

const run = promisify(execFile)
const ATTEMPTS = 5
const START_TIMEOUT_MS = 20_000

export interface RedisTopology {
  /** `host:port,…` as REDIS_CLUSTER_NODES / REDIS_SENTINELS take it. */
  nodes: string
  /** Kills every server (SIGKILL: an outage, not a shutdown), starts them again on the same ports and
   * folder, and resolves once the topology answers again (a cluster: `cluster_state:ok` everywhere). */
  restart(whileDown?: () => Promise<void>): Promise<void>
  stop(): Promise<void>
}

/** `count` distinct free ports under 55536, so a cluster's bus port (port + 10000) is valid too. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>()
  while (ports.size < count) {
    const p = await freePort()
    if (p < 55_536) ports.add(p)
  }
  return [...ports]
}

const cli = (port: number, ...args: string[]) =>
  run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 }).then(
    (r) => r.stdout,
  )

const until = (what: string, check: () => Promise<boolean>) =>
  waitFor(check, { what: `redis fixture: ${what}`, timeoutMs: START_TIMEOUT_MS, intervalMs: 50 })

interface Server {
  proc: ChildProcess
  name: string
  port: number
  args: string[]
}

// Servers still running when the test process exits (a failed setup, a crash) go with it.
const running = new Set<ChildProcess>()
process.once('exit', () => running.forEach((p) => p.kill('SIGKILL')))

/** Starts one `redis-server` and waits for PING; rejects with its log when it exits first (port taken). */
async function startServer(dir: string, name: string, port: number, args: string[]): Promise<Server> {
  const log = join(dir, `${name}.log`)
  const proc = spawn(
    'redis-server',
    [...args, '--port', String(port), '--bind', '127.0.0.1', '--logfile', log],
    {
      stdio: 'ignore',
    },
  )
  running.add(proc)
  proc.once('exit', () => running.delete(proc))
  const exited = new Promise<never>((_, reject) => {
    proc.once('error', reject) // redis-server not installed
    proc.once('exit', () => {
      void readFile(log, 'utf8')
        .catch(() => '')
        .then((text) =>
          reject(
            new Error(
              `redis-server ${name} on ${port} exited: ${text.trim().split('\n').slice(-3).join(' | ')}`,
            ),
          ),
        )
    })
  })
  exited.catch(() => undefined)
  await Promise.race([
    exited,
    until(`${name} answering PING`, async () => (await cli(port, 'ping')).trim() === 'PONG'),
  ])
  return { proc, name, port, args }
}

async function killAll(servers: Server[]) {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve()
          s.proc.once('exit', () => resolve())
          s.proc.kill('SIGKILL')
        }),
    ),
  )
}

async function stopAll(servers: Server[], dir: string) {
  await killAll(servers)
  await rm(dir, { recursive: true, force: true })
}

/** Tries `start` with fresh ports until no port was taken in between (EADDRINUSE). */
async function withRetries(
  label: string,
  start: (dir: string, servers: Server[]) => Promise<string>,
  ready: (servers: Server[]) => Promise<void> = async () => undefined,
): Promise<RedisTopology> {
  let lastError: unknown
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), `vc-${label}-`))
    const servers: Server[] = []
    try {
      const nodes = await start(dir, servers)
      const restart = async (whileDown?: () => Promise<void>) => {
        await killAll(servers)
        await whileDown?.()
        const again = servers.splice(0)
        for (const s of again) servers.push(await startServer(dir, s.name, s.port, s.args))
        await ready(servers)
      }
      return { nodes, restart, stop: () => stopAll(servers, dir) }
    } catch (err) {
      lastError = err
      await stopAll(servers, dir)
      if (!/Address already in use|EADDRINUSE|exited/i.test(String(err))) break
    }
  }
  throw new Error(`redis fixture: could not start a ${label}: ${String(lastError)}`, { cause: lastError })
}

/**
 * Three masters, no replicas, all 16384 slots assigned, `cluster_state:ok` on every node.
 *
 * @example
 * const cluster = await startRedisCluster()
 * process.env.REDIS_CLUSTER_NODES = cluster.nodes // '127.0.0.1:41234,127.0.0.1:41240,…'
 * await cluster.stop()
 */
export function startRedisCluster(masters = 3): Promise<RedisTopology> {
  return withRetries(
    'redis-cluster',
    async (dir, servers) => {
      const ports = await freePorts(masters)
      for (const [i, port] of ports.entries()) {
        const args = [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${i}.conf`),
          '--cluster-port',
          String(port + 10_000),
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ]
        servers.push(await startServer(dir, `node-${i}`, port, args))
      }
      const addresses = ports.map((p) => `127.0.0.1:${p}`)
      await run(
        'redis-cli',
        ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
        {
          timeout: 30_000,
        },
      )
      await clusterReady(servers)
      return addresses.join(',')
    },
    clusterReady,
  )
}

/** `cluster_state:ok` and every slot's owner known on every node, or a first command may meet CLUSTERDOWN. */
async function clusterReady(servers: Server[]) {
  for (const { port } of servers) {
    await until(`cluster_state:ok and all slots on ${port}`, async () => {
      const info = await cli(port, 'cluster', 'info')
      return info.includes('cluster_state:ok') && /cluster_slots_ok:16384\b/.test(info)
    })
  }
}

/** A sentinel (quorum 1) watching `name` at `master`, with a config file of its own. */
async function startSentinel(
  dir: string,
  port: number,
  name: string,
  master: number,
  o: { downAfterMs: number; failoverTimeoutMs?: number },
) {
  // Sentinel rewrites its config file: it must be its own, writable one.
  const conf = join(dir, 'sentinel.conf')
  const lines = [
    `dir ${dir}`,
    `sentinel monitor ${name} 127.0.0.1 ${master} 1`,
    `sentinel down-after-milliseconds ${name} ${o.downAfterMs}`,
    ...(o.failoverTimeoutMs ? [`sentinel failover-timeout ${name} ${o.failoverTimeoutMs}`] : []),
  ]
  await writeFile(conf, [...lines, ''].join('\n'))
  return startServer(dir, 'sentinel', port, [conf, '--sentinel'])
}

/**
 * One master and one Sentinel (its failover: `startRedisSentinelFailover`) watching it as `name` (quorum 1). `nodes` lists the sentinel.
 *
 * @example
 * const s = await startRedisSentinel('vc-master') // REDIS_SENTINELS=s.nodes, REDIS_SENTINEL_NAME=vc-master
 */
export function startRedisSentinel(name = 'vc-master'): Promise<RedisTopology & { masterPort: number }> {
  let masterPort = 0
  return withRetries('redis-sentinel', async (dir, servers) => {
    const [master, sentinel] = await freePorts(2)
    masterPort = master!
    servers.push(
      await startServer(dir, 'master', master!, ['--save', '', '--appendonly', 'no', '--dir', dir]),
    )
    servers.push(await startSentinel(dir, sentinel!, name, master!, { downAfterMs: 5000 }))
    await until('sentinel knowing its master', async () =>
      (await cli(sentinel!, 'sentinel', 'get-master-addr-by-name', name)).includes(String(master)),
    )
    return `127.0.0.1:${sentinel}`
  }).then((t) => ({ ...t, masterPort }))
}

export interface SentinelFailover extends RedisTopology {
  sentinelPort: number
  /** The master and its replica as started (after a failover the replica is the master). */
  masterPort: number
  replicaPort: number
  /** The port Sentinel names as `name`'s master now. */
  currentMaster(): Promise<number>
  /** `SENTINEL FAILOVER <name>`, asked again until Sentinel accepts it (not while it still sizes up the replica). */
  failover(): Promise<void>
  /** Resolves with the new master's port once Sentinel names one other than `oldPort` and it is writable. */
  waitForNewMaster(oldPort: number, timeoutMs?: number): Promise<number>
  /** SIGKILLs the server on `port` (the master: the hard case, no demotion). */
  kill(port: number): Promise<void>
}

/**
 * A master, one replica (`replicaof`) and one Sentinel (quorum 1), timed for tests: the master is down
 * after 1 s of silence and a failover may take 5 s, so a failover ends in seconds. Force one with
 * `failover()` (the master is demoted) or `kill(masterPort)`, then `waitForNewMaster`.
 *
 * @example
 * const s = await startRedisSentinelFailover('vc-master')
 * await s.failover() // or: await s.kill(s.masterPort)
 * const port = await s.waitForNewMaster(s.masterPort) // s.replicaPort
 */
export function startRedisSentinelFailover(name = 'vc-master'): Promise<SentinelFailover> {
  let ports: number[] = []
  let started: Server[] = []
  return withRetries('redis-sentinel-failover', async (dir, servers) => {
    started = servers
    ports = await freePorts(3)
    const [master, replica, sentinel] = ports as [number, number, number]
    // Each server its own folder: a replica's full sync writes its dump there.
    const data = async (sub: string) => {
      const d = join(dir, sub)
      await mkdir(d)
      return ['--save', '', '--appendonly', 'no', '--dir', d]
    }
    servers.push(await startServer(dir, 'master', master, await data('master')))
    servers.push(
      await startServer(dir, 'replica', replica, [
        ...(await data('replica')),
        '--replicaof',
        '127.0.0.1',
        String(master),
      ]),
    )
    await until('replica in sync', async () =>
      (await cli(replica, 'info', 'replication')).includes('master_link_status:up'),
    )
    servers.push(
      await startSentinel(dir, sentinel, name, master, { downAfterMs: 1000, failoverTimeoutMs: 5000 }),
    )
    // A failover needs a replica Sentinel knows (from the master's INFO) and sees up.
    await until('sentinel knowing the replica', async () => {
      const replicas = await cli(sentinel, 'sentinel', 'replicas', name)
      return (
        replicas.includes(String(replica)) &&
        /master-link-status\s+ok/.test(replicas) &&
        !/disconnected|s_down/.test(replicas)
      )
    })
    return `127.0.0.1:${sentinel}`
  }).then((t) => {
    const [masterPort, replicaPort, sentinelPort] = ports as [number, number, number]
    const currentMaster = async () =>
      Number((await cli(sentinelPort, 'sentinel', 'get-master-addr-by-name', name)).trim().split('\n')[1])
    return {
      ...t,
      masterPort,
      replicaPort,
      sentinelPort,
      currentMaster,
      failover: () =>
        until(`Sentinel accepting a failover of ${name}`, async () =>
          /^OK/.test(await cli(sentinelPort, 'sentinel', 'failover', name)),
        ).then(() => undefined),
      waitForNewMaster: (oldPort, timeoutMs = 30_000) =>
        waitFor(
          async () => {
            const port = await currentMaster()
            if (port === oldPort) return undefined
            return (await cli(port, 'role')).startsWith('master') ? port : undefined
          },
          { what: `redis fixture: Sentinel naming a new master for ${name}`, timeoutMs, intervalMs: 50 },
        ),
      kill: (port) => killAll(started.filter((s) => s.port === port)),
    }
  })
}

/** `redis-cli -p port args…` on loopback, its output (for tests that talk to a fixture's servers). */
export const redisCli = cli
