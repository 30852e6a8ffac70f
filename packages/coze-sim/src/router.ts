/**
 * Routes by exact path. HTTP routes are declarative (auth, counter, arrival event) so the dispatcher in
 * server.ts applies the common rules once. WebSocket upgrades (`/v1/audio/speech`,
 * `/v1/audio/transcriptions`) plug in through `addUpgrade`; unknown upgrades get a 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { SimStats } from './types'

export interface Ctx {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  logid: string
  /** The raw request body. */
  body: Buffer
  /** The parsed JSON body (undefined when empty); throws code 4000 on bad JSON. */
  json(): unknown
}

export interface Route {
  methods: readonly string[]
  path: string
  /** Needs `Authorization: Bearer <access token | PAT>`. */
  auth: boolean
  /** Counter bumped on every arrival. */
  stat?: Exclude<keyof SimStats, 'tokenExchanges' | 'authFailures'>
  /** Listener event fired on arrival (every route also fires 'request'). */
  event?: 'chat' | 'token' | 'cancel'
  handle(ctx: Ctx): Promise<void> | void
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

export function createRouter() {
  const routes = new Map<string, Route[]>()
  const upgrades = new Map<string, UpgradeHandler>()

  function add(...list: Route[]): void {
    for (const route of list) routes.set(route.path, [...(routes.get(route.path) ?? []), route])
  }

  const match = (method: string, pathname: string) =>
    routes.get(pathname)?.find((route) => route.methods.includes(method))

  function addUpgrade(path: string, handler: UpgradeHandler): void {
    upgrades.set(path, handler)
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, logid: string): void {
    const handler = upgrades.get(new URL(req.url ?? '/', 'http://sim').pathname)
    if (handler) return handler(req, socket, head)
    const body = JSON.stringify({ code: 4200, msg: 'Not Found', detail: { logid } })
    socket.end(
      'HTTP/1.1 404 Not Found\r\ncontent-type: application/json; charset=utf-8\r\n' +
        `x-tt-logid: ${logid}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    )
  }

  return { add, match, addUpgrade, upgrade }
}

export type Router = ReturnType<typeof createRouter>
