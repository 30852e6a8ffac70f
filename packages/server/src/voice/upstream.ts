/**
 * Opens Coze's audio WebSocket with the service's credential in the `Authorization` header (never the
 * query: coze-protocol §5.2 allows both, and a URL ends up in logs). Coze may refuse a credential at
 * the upgrade (HTTP 401) or with a first `error` frame 4100: either way the credential is dropped and
 * the connection retried once, before anything reaches the browser (SPEC §3). HTTP 403 or a 4101 frame
 * means the app lacks this API: UPSTREAM_FORBIDDEN, and the credential stays (SPEC §2.7).
 */
import { WebSocket } from 'ws'
import type { CozeApiName, CozeAuth } from '../core/coze/auth'
import { VcError } from '../core/errors'
import { AUTH_CODES, FORBIDDEN_CODE, peekServerFrame } from './frames'

export interface UpstreamOptions {
  url: string
  auth: CozeAuth
  maxPayload: number
  /** Upgrade plus the first frame (`*.created`) must arrive within this. */
  connectTimeoutMs: number
  /** The browser went away while we were connecting. */
  signal: AbortSignal
}

/** An open Coze socket; `early` holds the frames received so far, `*.created` first. */
export interface UpstreamSocket {
  ws: WebSocket
  /** Detaches the connect-time listeners and returns the frames received so far. */
  takeOver(): string[]
}

type Attempt = { kind: 'ok'; socket: UpstreamSocket } | { kind: 'auth' } | { kind: 'forbidden' }

/** The Coze API a socket is (its REST twin's permission). */
const apiOf = (url: string): CozeApiName =>
  new URL(url).pathname.endsWith('/transcriptions') ? 'createTranscription' : 'createSpeech'

export async function openUpstream(o: UpstreamOptions): Promise<UpstreamSocket> {
  for (let i = 0; i < 2; i++) {
    const cred = await o.auth.getCredential()
    const r = await attempt(o, cred.token)
    if (r.kind === 'ok') {
      o.auth.report('accepted')
      return r.socket
    }
    if (r.kind === 'forbidden') {
      o.auth.forbidden(apiOf(o.url))
      throw new VcError('VC_ERR_UPSTREAM_FORBIDDEN', 'Coze: this audio API is not granted to the app')
    }
    await o.auth.invalidate(cred)
  }
  o.auth.report('refused')
  throw new VcError('VC_ERR_UPSTREAM_UNAVAILABLE', 'Coze refused the service credentials')
}

function attempt(o: UpstreamOptions, token: string): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(o.url, {
      headers: { authorization: `Bearer ${token}` },
      perMessageDeflate: false,
      maxPayload: o.maxPayload,
      handshakeTimeout: o.connectTimeoutMs,
    })
    const early: string[] = []
    let settled = false
    const timer = setTimeout(
      () => fail(new VcError('VC_ERR_UPSTREAM_TIMEOUT', 'Coze did not open the voice connection in time')),
      o.connectTimeoutMs,
    )
    const onAbort = () => fail(new VcError('VC_ERR_CANCELLED', 'The browser left before Coze answered'))
    if (o.signal.aborted) return onAbort()
    o.signal.addEventListener('abort', onAbort, { once: true })

    function settle(): boolean {
      if (settled) return false
      settled = true
      clearTimeout(timer)
      o.signal.removeEventListener('abort', onAbort)
      return true
    }
    function fail(err: Error) {
      if (!settle()) return
      ws.terminate()
      reject(err)
    }
    function authFailed(kind: 'auth' | 'forbidden' = 'auth') {
      if (!settle()) return
      ws.terminate()
      resolve({ kind })
    }

    ws.on('unexpected-response', (req, res) => {
      res.resume()
      req.destroy()
      if (res.statusCode === 401) return authFailed()
      if (res.statusCode === 403) return authFailed('forbidden')
      fail(new VcError('VC_ERR_UPSTREAM_ERROR', `Coze refused the voice connection (HTTP ${res.statusCode})`))
    })
    ws.on('error', (err: NodeJS.ErrnoException) => fail(connectFailure(err)))
    ws.on('close', (code) =>
      fail(new VcError('VC_ERR_UPSTREAM_INTERRUPTED', `Coze closed the voice connection at once (${code})`)),
    )
    ws.on('message', (data, isBinary) => {
      if (isBinary) return // Coze's audio frames are JSON text; nothing to relay
      const text = data.toString()
      if (settled) return void early.push(text)
      const first = peekServerFrame(text)
      if (first.eventType === 'error') {
        const code = Number(first.data?.code)
        if (AUTH_CODES.has(code)) return authFailed()
        if (code === FORBIDDEN_CODE) return authFailed('forbidden')
        return fail(
          new VcError('VC_ERR_UPSTREAM_ERROR', `Coze: ${String(first.data?.msg ?? code)}`.slice(0, 300)),
        )
      }
      early.push(text)
      settle()
      resolve({
        kind: 'ok',
        socket: {
          ws,
          takeOver() {
            for (const event of ['message', 'close', 'error', 'unexpected-response'])
              ws.removeAllListeners(event)
            return early.splice(0)
          },
        },
      })
    })
  })
}

function connectFailure(err: NodeJS.ErrnoException): VcError {
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new VcError('VC_ERR_UPSTREAM_UNAVAILABLE')
  }
  if (/handshake has timed out/i.test(err.message)) return new VcError('VC_ERR_UPSTREAM_TIMEOUT')
  return new VcError(
    'VC_ERR_UPSTREAM_INTERRUPTED',
    `Coze voice connection failed: ${err.message}`.slice(0, 300),
  )
}
