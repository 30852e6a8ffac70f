/**
 * Issue 20, finding 3: a request must arrive within HTTP_REQUEST_TIMEOUT_MS (a trickling body is cut with
 * 408, an answer stream is not: the timeout covers receiving only); the caller is checked in onRequest,
 * before any body is read: the S2S allowlist answers 403 before 415/413/400/405 (SPEC §2.1), and an
 * upload without a token is refused 401 with next to nothing of its 10 MB read.
 */
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../../test/harness'
import { openRaw } from '../../../test/raw-http'
import { readStream } from '../../../test/sse-client'

const OUTSIDER = '203.0.113.9'
let stack: Stack
let token: string
/** Server-side sockets by the client's port, to read how many bytes the server took in. */
const sockets = new Map<number, Socket>()
beforeAll(async () => {
  stack = await startStack({
    backend: 'embedded',
    sim: { tokensPerSecond: 10 },
    env: {
      HTTP_REQUEST_TIMEOUT_MS: '1000',
      TRUST_PROXY: '127.0.0.1, ::1',
      S2S_IP_ALLOWLIST: '127.0.0.1, ::1',
      SSE_HEARTBEAT_MS: '500',
      // A socket silent for 1.5 s is cut: streams speak (events, heartbeats) more often than that.
      HTTP_CONNECTION_TIMEOUT_MS: '1500',
      UPSTREAM_IDLE_TIMEOUT_MS: '1200',
      VOICE_PING_INTERVAL_MS: '500',
    },
  })
  stack.app.server.on('connection', (s: Socket) => sockets.set(s.remotePort!, s))
  token = (await stack.newUser()).token
})
afterAll(() => stack?.close())

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))])

describe('S2S allowlist before any other check', () => {
  it.each([
    ['text/plain (415)', 'POST', { 'content-type': 'text/plain' }, 'hello'],
    ['a 100 KB body (413)', 'POST', { 'content-type': 'application/json' }, `"${'x'.repeat(100_000)}"`],
    ['broken JSON (400)', 'POST', { 'content-type': 'application/json' }, '{'],
    ['GET (405)', 'GET', {}, undefined],
  ] as const)('should answer 403 to a caller outside it sending %s', async (_name, method, headers, body) => {
    const res = await fetch(`${stack.url}/api/internal/session/create`, {
      method,
      headers: { ...headers, 'x-forwarded-for': OUTSIDER },
      body,
    })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: { code: 'IP_NOT_ALLOWED' } })
  })
})

describe('a body sent before the caller is known', () => {
  it('should refuse an unauthenticated 10 MB upload 401 having read almost none of it', async () => {
    const c = await openRaw(stack.url)
    const port = c.socket.localPort!
    const size = 10 * 1024 * 1024
    await c.write(
      'POST /api/voice/transcriptions HTTP/1.1\r\nHost: x\r\n' +
        `Content-Type: multipart/form-data; boundary=b\r\nContent-Length: ${size}\r\n\r\n` +
        '--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n',
    )
    // Only the head and a few bytes are sent: a server that reads the body first never answers.
    const res = await within(c.response(), 5_000)
    expect(res?.status).toBe(401)
    expect(JSON.parse(res!.body)).toMatchObject({ error: { code: 'TOKEN_INVALID' } })
    expect(res!.headers.connection).toBe('close')
    // The client goes on sending; the server has closed the connection and reads none of it.
    for (let i = 0; i < 16 && !c.socket.destroyed; i++) await c.write(Buffer.alloc(64 * 1024)).catch(() => {})
    await within(c.closed, 5_000)
    const server = sockets.get(port)
    expect(server?.destroyed).toBe(true)
    expect(server?.bytesRead).toBeLessThan(1024 * 1024)
    c.socket.destroy()
  })
})

describe('multipart', () => {
  it('should be parsed on /api/voice/transcriptions only: elsewhere 415 (no 10 MB read)', async () => {
    const form = new FormData()
    form.append('file', new Blob([Buffer.alloc(1024)], { type: 'audio/wav' }), 'a.wav')
    const res = await fetch(`${stack.url}/api/voice/speech`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    })
    expect(res.status).toBe(415)
    expect(await res.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } })
  })
})

describe('HTTP_REQUEST_TIMEOUT_MS', () => {
  it.each([
    ['POST /api/chat/send', () => `Authorization: Bearer ${token}\r\nContent-Type: application/json`],
    ['POST /api/internal/session/create', () => 'Content-Type: application/json'],
  ])('should cut %s whose body trickles in with 408 and close it', async (line, headers) => {
    const c = await openRaw(stack.url)
    await c.write(`${line} HTTP/1.1\r\nHost: x\r\n${headers()}\r\nContent-Length: 1000\r\n\r\n{`)
    // One byte every 200 ms: far too slow for 1000 bytes within the 1 s timeout.
    const trickle = setInterval(() => void c.write(' ').catch(() => {}), 200)
    try {
      const res = await within(c.response(), 10_000)
      expect(res?.status).toBe(408)
      expect(JSON.parse(res!.body)).toMatchObject({ error: { code: 'REQUEST_TIMEOUT' } })
      await within(c.closed, 5_000)
      expect(c.socket.destroyed).toBe(true)
    } finally {
      clearInterval(trickle)
      c.socket.destroy()
    }
  })

  it('should leave an answer stream alone however long it runs (the timeout is on receiving)', async () => {
    // 30 tokens at 10/s: a stream of ≈ 3 s against a 1 s request timeout and a 1.5 s idle cut.
    const r = await readStream(await stack.send(token, { message: '你好 [[sim:tokens=30]]' }))
    expect(r.status).toBe(200)
    expect(r.events.at(-1)?.event).toBe('done')
    expect(r.events.filter((e) => e.event === 'delta').length).toBeGreaterThan(10)
  })
})
