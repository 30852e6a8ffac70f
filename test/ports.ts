/**
 * For the few servers that must know their port before they start (a Redis Cluster node announces it,
 * a site's origin goes into the service's CORS_ORIGINS): the kernel's pick of a free port, free again
 * once we close it. Another process may take it in between, so callers retry on EADDRINUSE
 * (redis-cluster.ts) or accept the rare clash; everything else listens on port 0 (listening.ts).
 */
import { createServer } from 'node:net'

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
