/**
 * Coze credentials (SPEC §3): an OAuth JWT access token, cached in Redis for all instances, refreshed
 * before expiry with one exchange at a time (in-process single flight + a Redis lock across instances);
 * the PAT when OAuth is not configured or its exchange fails. The JWT's `aud` is Coze's API host name
 * (`audience`), never the base URL's host: a proxy in COZE_API_BASE must not change it (protocol §9 row 6).
 */
import { randomBytes } from 'node:crypto'
import { importPKCS8, SignJWT, type CryptoKey } from 'jose'
import type { Dispatcher } from 'undici'
import { request } from 'undici'
import type { Logger } from 'pino'
import { createKvLocks, type Locks } from '../kv/locks'
import type { Kv } from '../kv/types'
import { VcError } from '../errors'
import { createTokenCache, type CachedToken } from './token-cache'

export interface CozeCredential {
  token: string
  kind: 'oauth' | 'pat'
}

/** The Coze APIs the service calls, each granted to the OAuth app one by one (README, protocol §9 row 1). */
export type CozeApiName =
  | 'chat'
  | 'submitToolOutputs'
  | 'createConversation'
  | 'retrieveChat'
  | 'listChatMessages'
  | 'cancelChat'
  | 'createSpeech'
  | 'createTranscription'
  | 'uploadFile'
  | 'clearConversation'
  | 'retrieveBot'
  | 'messageFeedback'

export interface CozeAuthOptions {
  apiBase: string
  /**
   * `audience`: the JWT `aud` (COZE_OAUTH_AUDIENCE). `channel`: a channel app, whose token request
   * carries a `scope` limiting it to chatting with the bot; a normal app sends none (protocol §9 row 7).
   */
  oauth?: { appId: string; keyId: string; privateKeyPem: string; audience: string; channel?: boolean }
  tokenTtlSeconds: number
  botId: string
  pat?: string
  kv: Kv
  /** The refresh lock across instances (the backend's); by default one over `kv`. */
  locks?: Locks
  log: Logger
  dispatcher?: Dispatcher
  now?: () => number
  /** Refresh when less than this is left (default 60 s). */
  refreshMarginMs?: number
  onExchange?: (outcome: 'ok' | 'error') => void
  onPatFallback?: () => void
  /** Coze answered 4101 on `api`: that API is not granted to the credential. */
  onForbidden?: (api: CozeApiName) => void
}

const LOCK_TTL_MS = 10_000
const WAIT_FOR_PEER_MS = 5_000

export function createCozeAuth(o: CozeAuthOptions) {
  const now = o.now ?? Date.now
  const margin = o.refreshMarginMs ?? 60_000
  const cache = o.oauth ? createTokenCache(o.kv, o.oauth.privateKeyPem) : undefined
  const locks = o.locks ?? createKvLocks(o.kv)
  let local: CachedToken | undefined
  let inflight: Promise<CachedToken> | undefined
  let signingKey: Promise<CryptoKey> | undefined
  let lastOauthError: string | undefined
  /** Coze refused every credential on the last call that needed one; cleared by the next success. */
  let refusedAt: number | undefined
  /** APIs Coze answered 4101 on since start: shown by /readyz, never making it fail. */
  const forbiddenApis = new Set<CozeApiName>()
  const fresh = (t: CachedToken | undefined): t is CachedToken => !!t && t.expiresAt - now() > margin

  async function exchange(): Promise<CachedToken> {
    const { appId, keyId, privateKeyPem, audience, channel } = o.oauth!
    signingKey ??= importPKCS8(privateKeyPem, 'RS256')
    const iat = Math.floor(now() / 1000)
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keyId })
      .setIssuer(appId)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 600)
      .setJti(randomBytes(16).toString('hex'))
      .sign(await signingKey)
    const res = await request(`${o.apiBase}/api/permission/oauth2/token`, {
      method: 'POST',
      dispatcher: o.dispatcher,
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        duration_seconds: o.tokenTtlSeconds,
        ...(channel && {
          scope: {
            account_permission: { permission_list: ['Connector.botChat'] },
            attribute_constraint: { connector_bot_chat_attribute: { bot_id_list: [o.botId] } },
          },
        }),
      }),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    })
    // Not JSON: the failure below names the HTTP status instead.
    const body = (await res.body.json().catch(() => undefined)) as Record<string, unknown> | undefined
    // The token response is not wrapped in {code,msg,data}; errors come in either style (protocol §4.2).
    if (
      res.statusCode !== 200 ||
      typeof body?.access_token !== 'string' ||
      typeof body.expires_in !== 'number'
    ) {
      const why = String(body?.error_message ?? body?.msg ?? body?.error_code ?? `HTTP ${res.statusCode}`)
      throw new Error(`Coze token exchange failed: ${why.slice(0, 200)}`)
    }
    return { accessToken: body.access_token, expiresAt: body.expires_in * 1000 } // expires_in is absolute seconds
  }

  /** Exactly one exchange across instances: the lock holder exchanges, the others wait for its result. */
  async function refresh(): Promise<CachedToken> {
    const shared = await cache!.get()
    if (fresh(shared)) return shared
    const owner = randomBytes(8).toString('hex')
    if (await locks.acquire(cache!.lockKey, owner, LOCK_TTL_MS)) {
      try {
        const again = await cache!.get()
        if (fresh(again)) return again
        const t = await exchange()
        o.onExchange?.('ok')
        await cache!.put(t, now())
        return t
      } catch (err) {
        o.onExchange?.('error')
        throw err
      } finally {
        await locks.release(cache!.lockKey, owner)
      }
    }
    const deadline = now() + WAIT_FOR_PEER_MS
    while (now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
      const t = await cache!.get()
      if (fresh(t)) return t
    }
    throw new Error('Coze token refresh by another instance did not finish')
  }

  async function oauthToken(): Promise<CachedToken> {
    if (fresh(local)) return local
    inflight ??= refresh().finally(() => (inflight = undefined))
    local = await inflight
    lastOauthError = undefined
    return local
  }

  return {
    mode: o.oauth ? (o.pat ? 'oauth+pat' : 'oauth') : 'pat',

    /** A usable credential; throws VcError UPSTREAM_UNAVAILABLE when neither OAuth nor a PAT works. */
    async getCredential(): Promise<CozeCredential> {
      if (o.oauth) {
        try {
          return { token: (await oauthToken()).accessToken, kind: 'oauth' }
        } catch (err) {
          lastOauthError = (err as Error).message
          if (!o.pat) throw new VcError('VC_ERR_UPSTREAM_UNAVAILABLE', 'No usable Coze credential')
          o.log.warn({ reason: lastOauthError }, 'Coze OAuth unavailable: falling back to the PAT')
          o.onPatFallback?.()
        }
      }
      if (o.pat) return { token: o.pat, kind: 'pat' }
      throw new VcError('VC_ERR_UPSTREAM_UNAVAILABLE', 'No usable Coze credential')
    },

    /** Coze refused this credential: forget it so the next call exchanges again. */
    async invalidate(cred: CozeCredential) {
      if (cred.kind !== 'oauth') return
      if (local?.accessToken === cred.token) local = undefined
      await cache!.drop(cred.token)
    },

    /** The client tells how Coze took the credentials, so /readyz reflects reality, not just config. */
    report(outcome: 'accepted' | 'refused') {
      refusedAt = outcome === 'refused' ? now() : undefined
    },

    /** Coze answered 4101 on `api`: one feature is not granted; the credential itself stays good. */
    forbidden(api: CozeApiName) {
      forbiddenApis.add(api)
      o.onForbidden?.(api)
    },

    /** For /readyz: whether OAuth works right now, whether Coze last refused us, APIs not granted. */
    status: () => ({
      mode: o.oauth ? 'oauth' : 'pat',
      oauthError: lastOauthError,
      refusedAt,
      forbidden: [...forbiddenApis],
    }),
  }
}

export type CozeAuth = ReturnType<typeof createCozeAuth>
