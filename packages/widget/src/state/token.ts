/**
 * Where a fresh token comes from when the service says `401 TOKEN_INVALID`: the host's `tokenProvider`
 * property when set, otherwise a `vc-token-expired` event the host answers by setting `token`.
 */
export type TokenProvider = () => Promise<string> | string

export interface TokenRefresherDeps {
  provider: () => TokenProvider | undefined
  /** Fires `vc-token-expired`. */
  announceExpired: () => void
  timeoutMs?: number
  setTimer?: (fn: () => void, ms: number) => () => void
}

export class TokenRefreshError extends Error {
  override name = 'TokenRefreshError'
}

const defaultTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms)
  return () => clearTimeout(t)
}

export function createTokenRefresher(deps: TokenRefresherDeps) {
  const timeoutMs = deps.timeoutMs ?? 15_000
  const setTimer = deps.setTimer ?? defaultTimer
  let inflight: Promise<string> | null = null
  let waiter: ((token: string) => void) | null = null

  async function fromHost(): Promise<string> {
    const provider = deps.provider()
    if (provider) {
      const token = await provider()
      if (typeof token !== 'string' || !token) throw new TokenRefreshError('tokenProvider returned no token')
      return token
    }
    return new Promise<string>((resolve, reject) => {
      const stop = setTimer(() => {
        waiter = null
        reject(new TokenRefreshError('The host page did not supply a new token'))
      }, timeoutMs)
      waiter = (token) => {
        stop()
        waiter = null
        resolve(token)
      }
      deps.announceExpired()
    })
  }

  return {
    /** One refresh at a time: concurrent 401s share it. */
    refresh(): Promise<string> {
      inflight ??= fromHost().finally(() => {
        inflight = null
      })
      return inflight
    },
    /** Called when the host sets `token`; answers a pending `vc-token-expired`. */
    supply(token: string): void {
      if (token) waiter?.(token)
    },
  }
}
