/**
 * Where Redis is (SPEC §5, §6): one server by URL, a Redis Cluster by some of its nodes, or a master
 * found through Sentinel. `core/config/index.ts` builds it from the environment;
 * `backends/redis/kv.ts` opens it.
 */

export interface HostPort {
  host: string
  port: number
}

/** Credentials and TLS for cluster and sentinel mode (a single server carries them in its URL). */
interface Auth {
  username?: string
  password?: string
  /** TLS to the data nodes (rediss://), verifying their certificates against the system's CAs. */
  tls?: boolean
}

export type RedisConnection =
  | { mode: 'single'; url: string }
  | ({ mode: 'cluster'; nodes: HostPort[] } & Auth)
  | ({ mode: 'sentinel'; sentinels: HostPort[]; name: string; sentinelPassword?: string } & Auth)

/**
 * Parses `host:port,host:port` (IPv6 as `[::1]:7000`); returns the problem as a string instead of throwing,
 * so config can report it on its own line.
 */
export function parseHostPorts(raw: string): HostPort[] | string {
  const out: HostPort[] = []
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(item)
    const port = Number(m?.[3])
    if (!m || port < 1 || port > 65535) return `"${item}" is not host:port`
    out.push({ host: m[1] ?? m[2]!, port })
  }
  return out.length ? out : 'lists no host:port'
}

/** For log lines and start-up errors: where, never credentials. */
export function describeConnection(c: RedisConnection): string {
  const list = (nodes: HostPort[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',')
  if (c.mode === 'cluster') return `Redis Cluster at ${list(c.nodes)}`
  if (c.mode === 'sentinel') return `Redis master "${c.name}" via Sentinel at ${list(c.sentinels)}`
  return `Redis at ${new URL(c.url).host}`
}
