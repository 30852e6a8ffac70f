/**
 * A TCP proxy for fault tests (issue 19): sits between the service and a real Redis or MySQL (or
 * between a browser and the service) and, on command, cuts every connection and refuses new ones, stalls them (bytes held, sockets open, as a
 * SIGSTOPped server), resets them (RST), or passes bytes through again. No mock: the real server still
 * answers whatever gets through.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export type FaultMode = 'pass' | 'cut' | 'stall'

export interface FaultProxy {
  /** `host:port` to give the service instead of the real server's. */
  readonly address: string
  readonly port: number
  /** pass: forward; cut: close every connection and refuse new ones; stall: hold all bytes. */
  set(mode: FaultMode): void
  /** Destroys every connection with a TCP reset; new ones are accepted (mode unchanged). */
  reset(): void
  /** Connections opened through the proxy so far. */
  readonly accepted: number
  /** Connections open right now. */
  readonly open: number
  /** Connections refused while cut. */
  readonly refused: number
  close(): Promise<void>
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = 'pass'
  let accepted = 0
  let refused = 0
  const pairs = new Set<{ client: Socket; upstream: Socket }>()

  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      refused++
      return void client.destroy()
    }
    accepted++
    const upstream = connect(target.port, target.host)
    const pair = { client, upstream }
    pairs.add(pair)
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    // Bytes that arrive while stalled wait in the proxy and go on when it passes again.
    client.on('data', (chunk) => forward(chunk, upstream, client))
    upstream.on('data', (chunk) => forward(chunk, client, upstream))
  })

  const held = new Map<Socket, Buffer[]>()
  function forward(chunk: Buffer, to: Socket, from: Socket) {
    if (mode === 'stall') {
      held.set(to, [...(held.get(to) ?? []), chunk])
      from.pause()
      return
    }
    to.write(chunk)
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    address: `127.0.0.1:${port}`,
    port,
    get accepted() {
      return accepted
    },
    get open() {
      return pairs.size
    },
    get refused() {
      return refused
    },
    set(next) {
      mode = next
      if (next === 'cut') {
        held.clear()
        for (const { client, upstream } of pairs) {
          client.destroy()
          upstream.destroy()
        }
      }
      if (next === 'pass') {
        for (const [to, chunks] of held) for (const c of chunks) to.write(c)
        held.clear()
        for (const { client, upstream } of pairs) {
          client.resume()
          upstream.resume()
        }
      }
    },
    reset() {
      held.clear()
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy()
        upstream.resetAndDestroy()
      }
    },
    async close() {
      mode = 'cut'
      for (const { client, upstream } of pairs) {
        client.destroy()
        upstream.destroy()
      }
      await new Promise((r) => server.close(r))
    },
  }
}

const DEFAULT_PORTS: Record<string, number> = { 'redis:': 6379, 'mysql:': 3306 }

/**
 * A proxy in front of the server a `redis://` or `mysql://` URL names, and the same URL pointing at
 * the proxy instead (credentials, database and options kept).
 */
export async function startFaultProxyFor(url: string): Promise<{ proxy: FaultProxy; url: string }> {
  const real = new URL(url)
  const port = Number(real.port || DEFAULT_PORTS[real.protocol])
  const proxy = await startFaultProxy({ host: real.hostname, port })
  const viaProxy = new URL(real)
  viaProxy.host = proxy.address
  return { proxy, url: viaProxy.toString() }
}
