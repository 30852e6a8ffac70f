/**
 * Bearer check for every API route. Missing, unknown, expired and fault-rejected tokens all get the
 * same answer real Coze gives: HTTP 401 + code 4100 "authentication is invalid" (issues coze-py#78,
 * coze-js#314), as JSON even for stream requests (coze-protocol.md §7.1).
 */
import type { IncomingMessage } from 'node:http'
import type { TokenStore } from './oauth'
import { ApiError, bearerOf, MSG } from './reply'

export interface AuthDeps {
  pats: ReadonlySet<string>
  tokens: TokenStore
  /** True when a `rejectNextAuth` fault consumes this call. */
  takeRejection: () => boolean
  onFailure: () => void
}

export function createAuthenticator(d: AuthDeps) {
  return function authenticate(req: IncomingMessage): void {
    const token = bearerOf(req)
    const valid = token !== undefined && (d.pats.has(token) || d.tokens.isValid(token))
    if (!d.takeRejection() && valid) return
    d.onFailure()
    throw new ApiError(4100, MSG.auth, 401)
  }
}
