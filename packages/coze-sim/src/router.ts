/**
 * Routes by exact path, or by a pattern with `:name` segments (`/v1/bots/:bot_id`; the handler reads them
 * with `pathParams`). HTTP routes are declarative (auth, counter, arrival event) so the dispatcher in
 * server.ts applies the common rules once. WebSocket upgrades (`/v1/audio/speech`,
 * `/v1/audio/transcriptions`) plug in through `addUpgrade`; unknown upgrades get a 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { SimApi, SimStats } from './types'

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
  /**
   * The API this route is (types.ts `SIM_APIS`): a token not granted it gets code 4101 here only.
   * Every authenticated route names one.
   */
  api?: SimApi
  /** Counter bumped on every arrival. */
  stat?: Exclude<keyof SimStats, 'tokenExchanges' | 'authFailures' | 'permissionDenials'>
  /** Listener event fired on arrival (every route also fires 'request'). */
  event?: 'chat' | 'token' | 'cancel' | 'submit'
  handle(ctx: Ctx): Promise<void> | void
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

export function createRouter() {
  const routes = new Map<string, Route[]>()
  const patterns: Route[] = []
  const upgrades = new Map<string, UpgradeHandler>()

  function add(...list: Route[]): void {
    for (const route of list) {
      // Permissions are per API (coze-protocol.md §9 row 1): an unnamed route could never be denied.
      if (route.auth && !route.api) throw new Error(`coze-sim: route ${route.path} must name its api`)
      if (route.path.includes('/:')) patterns.push(route)
      else routes.set(route.path, [...(routes.get(route.path) ?? []), route])
    }
  }

  const match = (method: string, pathname: string) =>
    routes.get(pathname)?.find((route) => route.methods.includes(method)) ??
    patterns.find((route) => route.methods.includes(method) && pathParams(route.path, pathname))

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

/** The `:name` segments of `pattern` in `pathname` (URL-decoded), or undefined when it does not match. */
export function pathParams(pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split('/')
  const got = pathname.split('/')
  if (want.length !== got.length) return undefined
  const params: Record<string, string> = {}
  for (const [i, part] of want.entries()) {
    const value = got[i]!
    if (part.startsWith(':')) {
      if (value === '') return undefined
      try {
        params[part.slice(1)] = decodeURIComponent(value)
      } catch {
        return undefined
      }
    } else if (part !== value) return undefined
  }
  return params
}
