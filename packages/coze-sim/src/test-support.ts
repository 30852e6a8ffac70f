/** Helpers shared by the sim's own tests: raw HTTP calls, SSE parsing, RSA keys and JWTs. */
import { generateKeyPairSync } from 'node:crypto'
import { request, type IncomingHttpHeaders } from 'node:http'
import { importPKCS8, SignJWT } from 'jose'
import { startCozeSim } from './server'
import type { CozeSim, CozeSimOptions } from './types'

export const PAT = 'pat_test'
export const BOT_ID = '7379462189365198898'

/** A sim with no pacing: tests never depend on wall-clock speed. */
export const startTestSim = (options: CozeSimOptions = {}) =>
  startCozeSim({ pats: [PAT], firstTokenDelayMs: 0, tokensPerSecond: 0, ...options })

export function chatBody(question: string, extra: Record<string, unknown> = {}) {
  return {
    bot_id: BOT_ID,
    user_id: 'user-1',
    stream: true,
    additional_messages: [{ role: 'user', content: question, content_type: 'text' }],
    ...extra,
  }
}

export interface JsonReply {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary wire fields
  body: any
}

export async function call(
  sim: CozeSim,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = PAT,
): Promise<JsonReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token !== null) headers.authorization = `Bearer ${token}`
  const res = await fetch(sim.url + path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) }
}

export interface SseEvent {
  event: string
  data: string
}

/** Strict parse of Coze framing; throws on anything else (a stand-in for the py/go parsers). */
export function parseSse(text: string): SseEvent[] {
  const frames = text.split('\n\n')
  if (frames.pop() !== '') throw new Error('stream does not end with a blank line')
  return frames.map((frame) => {
    const match = /^event:([^\n]+)\ndata:([^\n]*)$/.exec(frame)
    if (!match) throw new Error(`bad frame: ${JSON.stringify(frame)}`)
    return { event: match[1]!, data: match[2]! }
  })
}

export interface OpenStream {
  status: number
  headers: IncomingHttpHeaders
  /** Body pieces in the order the client's socket delivered them. */
  chunks: Buffer[]
  text(): string
  /** 'end' when the body completed, 'cut' when the connection closed first. */
  finished: Promise<'end' | 'cut'>
  /** Resolves once the received text satisfies `test`. */
  until(test: (text: string) => boolean): Promise<void>
  destroy(): void
}

/** POST /v3/chat with node:http, to watch chunk boundaries and how the connection ends. */
export function openStream(sim: CozeSim, body: unknown, path = '/v3/chat', token = PAT): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request(sim.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    })
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      const waiters = new Set<() => void>()
      const text = () => Buffer.concat(chunks).toString('utf8')
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        for (const w of waiters) w()
      })
      let closed = false
      const finished = new Promise<'end' | 'cut'>((done) => {
        res.on('error', () => done('cut'))
        res.on('close', () => {
          closed = true
          done(res.complete ? 'end' : 'cut')
          for (const w of waiters) w()
        })
      })
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        chunks,
        text,
        finished,
        until: (test) =>
          new Promise<void>((ok, fail) => {
            const check = () => {
              if (!test(text()) && !closed) return
              waiters.delete(check)
              if (test(text())) ok()
              else fail(new Error(`stream closed first; it ended with ${JSON.stringify(text().slice(-200))}`))
            }
            waiters.add(check)
            check()
          }),
        destroy: () => req.destroy(),
      })
    })
    req.end(JSON.stringify(body))
  })
}

/** Events in the stream's text, as a lenient client (the js SDK) reads them. */
export const eventNames = (text: string) => [...text.matchAll(/^event:(.*)$/gm)].map((m) => m[1])

export function rsaKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
  return { publicKeyPem: publicKey, privateKeyPem: privateKey }
}

export interface JwtClaims {
  iss?: string
  aud?: string
  iat?: number
  exp?: number
  jti?: string
}

/** Signs exactly the claims given (so tests can leave one out). */
export async function signJwt(privateKeyPem: string, kid: string, claims: JwtClaims, alg = 'RS256') {
  const key = await importPKCS8(privateKeyPem, alg)
  return new SignJWT({ ...claims }).setProtectedHeader({ alg, typ: 'JWT', kid }).sign(key)
}
