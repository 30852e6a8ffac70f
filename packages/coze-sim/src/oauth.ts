/**
 * OAuth JWT service apps (coze-protocol.md §4): `POST /api/permission/oauth2/token` trades a signed JWT
 * for an opaque access token. The reply is NOT wrapped in `{code,msg,data}` and `expires_in` is an
 * absolute unix time; errors are OAuth-style `{error_code,error_message,error}`.
 */
import { createPublicKey, type KeyObject } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { newAccessToken, unixSeconds } from './ids'
import { bearerOf, isRecord, sendJson } from './reply'
import type { Ctx, Route } from './router'
import type { OAuthApp, SimApi } from './types'

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const DEFAULT_DURATION = 900
const MAX_DURATION = 86_399
/** How far in the future `iat` may be (clock skew between signer and Coze). */
const IAT_SKEW = 60

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message)
  }
}

/** What a token may call: `apis` undefined = every API; `bots` undefined = chat with any bot. */
export interface Grants {
  apis?: ReadonlySet<SimApi>
  bots?: ReadonlySet<string>
}

/** Access tokens issued so far; `expireAll` is the `faults.expireAllTokens()` switch. */
export function createTokenStore() {
  const tokens = new Map<string, { expiresAt: number; grants: Grants }>()
  return {
    issue(seconds: number, grants: Grants = {}) {
      const token = newAccessToken()
      const expiresAt = unixSeconds() + seconds
      tokens.set(token, { expiresAt, grants })
      return { token, expiresAt }
    },
    /** The grants of a live token, or undefined when it is unknown or expired. */
    grantsOf(token: string): Grants | undefined {
      const t = tokens.get(token)
      return t && t.expiresAt > unixSeconds() ? t.grants : undefined
    },
    expireAll: () => tokens.clear(),
  }
}

export type TokenStore = ReturnType<typeof createTokenStore>

/**
 * Checks a JWT as Coze does: key by `kid`, RS256, `iss` = app id, `aud` = the API host name whatever
 * base URL the client used (coze-protocol.md §9 row 6), `exp`, `iat`, unused `jti`. Resolves to the app.
 */
export function createJwtVerifier(apps: readonly OAuthApp[]) {
  const keys = new Map<string, { app: OAuthApp; key: KeyObject }>()
  for (const app of apps) keys.set(app.keyId, { app, key: createPublicKey(app.publicKeyPem) })
  const seenJti = new Map<string, number>()

  return async function verify(jwt: string, audience: string): Promise<OAuthApp> {
    let kid: string | undefined
    try {
      kid = decodeProtectedHeader(jwt).kid
    } catch {
      throw new OAuthError(401, 'invalid_client', 'the bearer is not a JWT')
    }
    const app = kid === undefined ? undefined : keys.get(kid)
    if (!app) throw new OAuthError(401, 'invalid_client', `unknown key id (kid) "${kid ?? ''}"`)
    const { payload } = await jwtVerify(jwt, app.key, {
      algorithms: ['RS256'],
      issuer: app.app.appId,
      audience,
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
    }).catch((e: unknown) => {
      throw new OAuthError(
        401,
        'invalid_client',
        `JWT rejected: ${e instanceof Error ? e.message : String(e)}`,
      )
    })
    const now = unixSeconds()
    if (payload.iat! > now + IAT_SKEW) throw new OAuthError(401, 'invalid_client', 'JWT iat is in the future')
    const jti = String(payload.jti)
    if (seenJti.has(jti)) throw new OAuthError(401, 'invalid_client', 'JWT jti has already been used')
    for (const [old, exp] of seenJti) if (exp < now) seenJti.delete(old)
    seenJti.set(jti, payload.exp!)
    return app.app
  }
}

export interface OAuthDeps {
  verify: ReturnType<typeof createJwtVerifier>
  tokens: TokenStore
  /** The one `aud` accepted (`oauthAudience`, default 'api.coze.cn'). */
  audience: string
  isDown: () => boolean
  onExchange: () => void
}

export function oauthRoutes(d: OAuthDeps): Route[] {
  async function exchange(ctx: Ctx): Promise<void> {
    if (d.isDown()) throw new OAuthError(503, 'server_error', 'coze-sim: the OAuth service is down (fault)')
    const jwt = bearerOf(ctx.req)
    if (!jwt) throw new OAuthError(401, 'invalid_client', 'missing Authorization: Bearer <JWT>')
    const body = parseBody(ctx)
    if (body.grant_type !== JWT_BEARER) {
      throw new OAuthError(400, 'unsupported_grant_type', `grant_type must be ${JWT_BEARER}`)
    }
    const duration = durationOf(body.duration_seconds)
    const app = await d.verify(jwt, d.audience)
    const { token, expiresAt } = d.tokens.issue(duration, grantsOf(app, body.scope))
    d.onExchange()
    sendJson(ctx.res, 200, { access_token: token, expires_in: expiresAt, token_type: 'Bearer' })
  }

  return [
    {
      methods: ['POST'],
      path: '/api/permission/oauth2/token',
      auth: false,
      event: 'token',
      handle: exchange,
    },
  ]
}

/**
 * A normal app's token gets the app's grants and its `scope` is ignored; a channel app's `scope` limits
 * the token to chatting with the listed bots (coze-protocol.md §9 row 7).
 */
function grantsOf(app: OAuthApp, scope: unknown): Grants {
  const apis = app.apis && new Set(app.apis)
  if (!app.channel || scope === undefined || scope === null) return apis ? { apis } : {}
  if (!isRecord(scope)) throw new OAuthError(400, 'invalid_request', 'scope must be an object')
  const permissions = isRecord(scope.account_permission)
    ? scope.account_permission.permission_list
    : undefined
  const constraint = isRecord(scope.attribute_constraint)
    ? scope.attribute_constraint.connector_bot_chat_attribute
    : undefined
  const bots = isRecord(constraint) ? constraint.bot_id_list : undefined
  if (!Array.isArray(permissions) || !Array.isArray(bots) || !bots.every((b) => typeof b === 'string')) {
    throw new OAuthError(
      400,
      'invalid_request',
      'scope needs account_permission.permission_list and connector_bot_chat_attribute.bot_id_list',
    )
  }
  const chat = permissions.includes('Connector.botChat') && (apis?.has('chat') ?? true)
  return { apis: new Set<SimApi>(chat ? ['chat'] : []), bots: new Set(bots as string[]) }
}

function parseBody(ctx: Ctx): Record<string, unknown> {
  let body: unknown
  try {
    body = ctx.json()
  } catch {
    throw new OAuthError(400, 'invalid_request', 'the body is not valid JSON')
  }
  if (!isRecord(body)) throw new OAuthError(400, 'invalid_request', 'the body must be a JSON object')
  return body
}

function durationOf(v: unknown): number {
  if (v === undefined || v === null) return DEFAULT_DURATION
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new OAuthError(400, 'invalid_request', 'duration_seconds must be a positive integer')
  }
  return Math.min(v, MAX_DURATION)
}

export function sendOAuthError(res: ServerResponse, logid: string, e: OAuthError): void {
  sendJson(res, e.status, {
    error_code: e.error,
    error_message: e.message,
    error: e.error,
    detail: { logid },
  })
}
