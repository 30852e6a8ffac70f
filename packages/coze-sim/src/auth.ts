/**
 * Bearer check for every API route. Missing, unknown, expired and fault-rejected tokens all get the
 * same answer real Coze gives: HTTP 401 + code 4100 "authentication is invalid" (issues coze-py#78,
 * coze-js#314), as JSON even for stream requests (coze-protocol.md §7.1).
 *
 * A valid token may still lack the API it calls (coze-protocol.md §9 row 1): code 4101 on that API
 * only. Coze's HTTP status for 4101 is not documented; the sim sends HTTP 200 like its other business
 * codes, because js `src/fetcher.ts` finds code 4101 in the body of a stream response that axios let
 * through (a 2xx), while it looks for 4100 as HTTP 401. The js SDK maps either to PermissionDeniedError.
 */
import type { IncomingMessage } from 'node:http'
import type { Grants, TokenStore } from './oauth'
import { ApiError, bearerOf, MSG } from './reply'
import type { SimApi } from './types'

export interface AuthDeps {
  pats: ReadonlySet<string>
  /** What the PATs are granted; undefined = all. */
  patApis?: readonly SimApi[]
  tokens: TokenStore
  /** True when a `rejectNextAuth` fault consumes this call. */
  takeRejection: () => boolean
  /** APIs switched off by the `denyApi` fault. */
  denied: ReadonlySet<SimApi>
  onFailure: () => void
  onDenied: () => void
}

export function createAuthenticator(d: AuthDeps) {
  const patGrants: Grants = d.patApis ? { apis: new Set(d.patApis) } : {}

  /** `botId` is the bot a chat is for: a channel token may only chat with its listed bots. */
  return function authenticate(req: IncomingMessage, api?: SimApi, botId?: unknown): void {
    const token = bearerOf(req)
    const grants = token === undefined ? undefined : d.pats.has(token) ? patGrants : d.tokens.grantsOf(token)
    if (d.takeRejection() || !grants) {
      d.onFailure()
      throw new ApiError(4100, MSG.auth, 401)
    }
    if (api === undefined) return
    const granted =
      !d.denied.has(api) &&
      (grants.apis?.has(api) ?? true) &&
      (grants.bots === undefined || api !== 'chat' || grants.bots.has(String(botId)))
    if (granted) return
    d.onDenied()
    throw new ApiError(4101, MSG.forbidden)
  }
}

export type Authenticate = ReturnType<typeof createAuthenticator>
