/**
 * Coze's REST audio endpoints (coze-protocol §5.1), the fallback for clients that cannot hold a
 * WebSocket: TTS answers binary audio (streamed through, never buffered), ASR takes a multipart file.
 * A credential refused (401 or code 4100) is dropped and the call retried once; a 4101 (the app lacks
 * this API) is UPSTREAM_FORBIDDEN and keeps the credential (SPEC §2.7).
 */
import type { Readable } from 'node:stream'
import { Agent, FormData, request, type Dispatcher } from 'undici'
import type { CozeApiName, CozeAuth, CozeCredential } from '../core/coze/auth'
import { CozeApiError, upstreamFailure } from '../core/coze/client'
import { VcError } from '../core/errors'

export interface SpeechRequest {
  input: string
  voice_id: string
  response_format: string
  sample_rate: number
  speed: number
}

export interface CozeAudioRestOptions {
  apiBase: string
  auth: CozeAuth
  /** No byte from Coze for this long → 504. */
  timeoutMs: number
  dispatcher?: Dispatcher
}

export function createCozeAudioRest(o: CozeAudioRestOptions) {
  const dispatcher =
    o.dispatcher ??
    new Agent({ keepAliveTimeout: 30_000, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs })

  async function post(cred: CozeCredential, path: string, body: string | FormData, type?: string) {
    try {
      return await request(o.apiBase + path, {
        method: 'POST',
        dispatcher,
        headers: { authorization: `Bearer ${cred.token}`, ...(type && { 'content-type': type }) },
        body,
      })
    } catch (err) {
      throw upstreamFailure(err)
    }
  }

  /** A non-audio answer is Coze's JSON error (or junk): always a CozeApiError. */
  async function apiError(res: Dispatcher.ResponseData): Promise<CozeApiError> {
    const logid = String(res.headers['x-tt-logid'] ?? '') || undefined
    const body = (await res.body.json().catch(() => undefined)) as { code?: number; msg?: string } | undefined
    return new CozeApiError(res.statusCode, Number(body?.code ?? -1), String(body?.msg ?? 'error'), logid)
  }

  async function withAuth<T>(api: CozeApiName, call: (cred: CozeCredential) => Promise<T>): Promise<T> {
    for (let i = 0; i < 2; i++) {
      const cred = await o.auth.getCredential()
      try {
        const result = await call(cred)
        o.auth.report('accepted')
        return result
      } catch (err) {
        if (err instanceof CozeApiError && err.forbidden) o.auth.forbidden(api)
        if (!(err instanceof CozeApiError && err.auth)) throw toVcError(err)
        await o.auth.invalidate(cred)
      }
    }
    o.auth.report('refused')
    throw new VcError('VC_ERR_UPSTREAM_UNAVAILABLE', 'Coze refused the service credentials')
  }

  return {
    /** Resolves once Coze answered audio; the body streams on. */
    speech: (req: SpeechRequest) =>
      withAuth('createSpeech', async (cred) => {
        const res = await post(cred, '/v1/audio/speech', JSON.stringify(req), 'application/json')
        const type = String(res.headers['content-type'] ?? '')
        if (res.statusCode === 200 && type.includes('audio')) return { type, body: res.body as Readable }
        throw await apiError(res)
      }),

    transcribe: (file: { bytes: Buffer; name: string; type: string }) =>
      withAuth('createTranscription', async (cred) => {
        const form = new FormData()
        form.append('file', new Blob([file.bytes], { type: file.type }), file.name)
        const res = await post(cred, '/v1/audio/transcriptions', form)
        const body = (await res.body.json().catch(() => undefined)) as
          { code?: number; msg?: string; data?: { text?: unknown } } | undefined
        if (res.statusCode !== 200 || body?.code !== 0 || typeof body.data?.text !== 'string') {
          const logid = String(res.headers['x-tt-logid'] ?? '') || undefined
          throw new CozeApiError(
            res.statusCode,
            Number(body?.code ?? -1),
            String(body?.msg ?? 'error'),
            logid,
          )
        }
        return body.data.text
      }),

    close: () => dispatcher.close(),
  }
}

export type CozeAudioRest = ReturnType<typeof createCozeAudioRest>

function toVcError(err: unknown): VcError {
  if (err instanceof CozeApiError && err.forbidden) {
    return new VcError(
      'VC_ERR_UPSTREAM_FORBIDDEN',
      `Coze: this audio API is not granted (logid ${err.logid})`,
    )
  }
  if (err instanceof CozeApiError) {
    const key =
      err.httpStatus === 429 || err.httpStatus >= 500
        ? 'VC_ERR_UPSTREAM_UNAVAILABLE'
        : 'VC_ERR_UPSTREAM_ERROR'
    const detail = `code ${err.code}${err.logid ? `, logid ${err.logid}` : ''}`
    return new VcError(key, `Coze: ${err.message} (${detail})`.slice(0, 300))
  }
  const e = upstreamFailure(err)
  return e instanceof VcError ? e : new VcError('VC_ERR_UPSTREAM_INTERRUPTED')
}
