import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { signature, signRequest } from '@volcano-chat/client'
import { ordersOf } from './orders'
import { chatPage } from './pages'
import { startWebsiteA, type WebsiteA } from './server'

const SECRET = 's2s-secret-never-in-html'
const KEY_ID = 'website-a-test'
const TOOLS_KEY_ID = 'chat-service-tools'
const TOOLS_SECRET = 'tools-secret-0123456789abcdef'

/** Just enough of the Chat Service's session API: checks the v1 signature, issues numbered tokens. */
function fakeChatService() {
  const created: { phone: string }[] = []
  const revoked: unknown[] = []
  let down = false
  let n = 0
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    for await (const chunk of req) body += chunk
    const h = req.headers as Record<string, string>
    const expected = signature({
      secret: SECRET,
      method: req.method!,
      path: req.url!,
      timestamp: Number(h['x-vc-timestamp']),
      nonce: h['x-vc-nonce']!,
      body,
    })
    res.setHeader('Content-Type', 'application/json')
    if (h['x-vc-key-id'] !== KEY_ID || h['x-vc-signature'] !== expected)
      return res.writeHead(401).end('{"error":{"code":"SIGNATURE_INVALID","message":"bad","requestId":"r"}}')
    if (down)
      return res.writeHead(503).end('{"error":{"code":"UNAVAILABLE","message":"down","requestId":"r"}}')
    if (req.url === '/api/internal/session/create') {
      created.push(JSON.parse(body))
      return res
        .writeHead(201)
        .end(
          JSON.stringify({ token: `opaque-${++n}`, expiresAt: '2030-01-01T00:00:00Z', sessionId: `s${n}` }),
        )
    }
    revoked.push(JSON.parse(body))
    res.writeHead(200).end('{"revoked":1}')
  }
  // A handler that throws cuts the request (the test fails on it) rather than leaving a rejection.
  const server = createServer((req, res) => void handle(req, res).catch((err: Error) => res.destroy(err)))
  return { server, created, revoked, setDown: (v: boolean) => (down = v) }
}

let chat: ReturnType<typeof fakeChatService>
let chatUrl: string
let site: WebsiteA

beforeAll(async () => {
  chat = fakeChatService()
  await new Promise<void>((r) => chat.server.listen(0, '127.0.0.1', r))
  chatUrl = `http://127.0.0.1:${(chat.server.address() as AddressInfo).port}`
  site = await startWebsiteA({
    port: 0,
    chatServiceUrl: chatUrl,
    keyId: KEY_ID,
    secret: SECRET,
    toolKeys: { [TOOLS_KEY_ID]: TOOLS_SECRET },
  })
})

afterAll(async () => {
  await site.close()
  await new Promise<void>((r) => (chat.server as Server).close(() => r()))
})

afterEach(() => {
  chat.setDown(false)
  vi.restoreAllMocks()
})

const get = (path: string, cookie?: string) =>
  fetch(site.url + path, { redirect: 'manual', headers: cookie ? { cookie } : {} })

const post = (
  path: string,
  opts: { cookie?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
) =>
  fetch(site.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...(opts.cookie ? { cookie: opts.cookie } : {}), ...opts.headers },
    body: opts.form ? new URLSearchParams(opts.form) : undefined,
  })

async function login(phone = '13800138000'): Promise<string> {
  const res = await post('/login', { form: { phone } })
  expect(res.status).toBe(303)
  return res.headers.get('set-cookie')!.split(';')[0]!
}

describe('login', () => {
  it('should send visitors without a login to the login page', async () => {
    const res = await get('/')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login')
  })

  it('should offer demo phone numbers', async () => {
    const res = await get('/login')
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('value="13800138000"')
  })

  it('should set an HttpOnly SameSite cookie for a valid phone', async () => {
    const res = await post('/login', { form: { phone: '13800138000' } })
    expect(res.headers.get('location')).toBe('/')
    expect(res.headers.get('set-cookie')).toMatch(
      /^wa_sid=[\w-]{43}; HttpOnly; SameSite=Lax; Path=\/; Max-Age=\d+$/,
    )
  })

  it('should prefer a typed number and normalise +86', async () => {
    const cookie = (
      await post('/login', { form: { phone: '13800138000', other: '+86 139-0013-9000' } })
    ).headers
      .get('set-cookie')!
      .split(';')[0]!
    await get('/', cookie)
    expect(chat.created.at(-1)).toEqual({ phone: '13900139000' })
  })

  it('should refuse a number that is not a mainland mobile', async () => {
    const res = await post('/login', { form: { other: '12345' } })
    expect(res.status).toBe(400)
    expect(res.headers.get('set-cookie')).toBeNull()
  })
})

describe('chat page', () => {
  it('should embed the widget with the opaque token and nothing secret', async () => {
    const cookie = await login('15000150000')
    const res = await get('/', cookie)
    const html = await res.text()
    expect(res.status).toBe(200)
    const token = `opaque-${chat.created.length}`
    expect(html).toContain(`<script src="${chatUrl}/widget/volcano-chat.js"`)
    expect(html).toMatch(new RegExp(`<volcano-chat api-base="${chatUrl}" token="${token}"`))
    expect(html).not.toContain(SECRET)
    expect(html).not.toContain('15000150000') // only the masked 150****0000
    expect(html).toContain('150****0000')
    expect(res.headers.get('content-security-policy')).toContain(`script-src 'self' ${chatUrl}`)
    // The voice WebSockets: an http: source does not cover ws: in connect-src.
    const sockets = chatUrl.replace(/^http/, 'ws')
    expect(res.headers.get('content-security-policy')).toContain(`connect-src 'self' ${chatUrl} ${sockets};`)
    expect(html).not.toMatch(/features=|voice-send=/) // the widget's defaults: no voice
  })

  it('should pass the widget attributes it is configured with, escaped', () => {
    const page = (widget: Parameters<typeof chatPage>[0]['widget']) =>
      chatPage({ nonce: 'n', phone: '13800138000', chatServiceUrl: 'http://chat', token: 't', widget })
    expect(page({ features: 'cancel voice', voiceSend: 'confirm' })).toContain(
      '<volcano-chat api-base="http://chat" token="t" features="cancel voice" voice-send="confirm">',
    )
    expect(page({ features: 'voice"><script>' })).toContain('features="voice&quot;&gt;&lt;script&gt;"')
  })

  it('should serve the host script that implements tokenProvider', async () => {
    const js = await (await get('/host.js')).text()
    expect(js).toContain('chat.tokenProvider')
    expect(js).toContain("'/api/chat-token'")
  })

  it('should show an error page when the Chat Service is down', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const cookie = await login()
    chat.setDown(true)
    const res = await get('/', cookie)
    expect(res.status).toBe(502)
    expect(await res.text()).toContain('智能助手暂时不可用')
  })
})

describe('POST /api/chat-token', () => {
  it('should give the logged-in user a fresh token', async () => {
    const cookie = await login()
    const res = await post('/api/chat-token', { cookie, headers: { 'X-Requested-With': 'fetch' } })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { token: string; expiresAt: string }
    expect(body).toEqual({ token: `opaque-${chat.created.length}`, expiresAt: '2030-01-01T00:00:00Z' })
  })

  it('should refuse a request without the custom header (cross-site form post)', async () => {
    const cookie = await login()
    expect((await post('/api/chat-token', { cookie })).status).toBe(403)
  })

  it('should refuse a visitor who is not logged in', async () => {
    expect((await post('/api/chat-token', { headers: { 'X-Requested-With': 'fetch' } })).status).toBe(401)
  })
})

describe('logout', () => {
  it('should revoke every chat token of the login and clear the cookie', async () => {
    const cookie = await login()
    await get('/', cookie)
    await post('/api/chat-token', { cookie, headers: { 'X-Requested-With': 'fetch' } })
    const issued = [`opaque-${chat.created.length - 1}`, `opaque-${chat.created.length}`]
    const res = await post('/logout', { cookie })
    expect(res.headers.get('location')).toBe('/login')
    expect(res.headers.get('set-cookie')).toContain('Max-Age=0')
    expect(chat.revoked.slice(-2)).toEqual(issued.map((token) => ({ token })))
    expect((await get('/', cookie)).status).toBe(303)
  })
})

describe('POST /tools (SPEC §2.8)', () => {
  /** A tool call as the Chat Service sends it, signed with `secret`. */
  function toolCall(body: Record<string, unknown>, secret = TOOLS_SECRET) {
    const raw = JSON.stringify({
      toolCallId: 'call_1',
      name: 'my_orders',
      arguments: '{}',
      conversationId: 'conv_1',
      messageId: 'msg_1',
      ...body,
    })
    const headers = signRequest({ keyId: TOOLS_KEY_ID, secret, method: 'POST', path: '/tools', body: raw })
    const send = () =>
      fetch(site.url + '/tools', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: raw,
      })
    return { send, headers }
  }

  /** A logged-in user with a chat session; its id is what the service names in a tool call. */
  async function chatSession(phone: string) {
    const cookie = await login(phone)
    await get('/', cookie)
    return { cookie, sessionId: `s${chat.created.length}` }
  }

  it("should answer my_orders with the session's user's orders", async () => {
    const { sessionId } = await chatSession('13900139000')
    const res = await toolCall({ sessionId, arguments: '{"limit":2}' }).send()
    expect(res.status).toBe(200)
    const { output } = (await res.json()) as { output: string }
    expect(JSON.parse(output)).toEqual({ orders: ordersOf('13900139000').reverse().slice(0, 2) })
    expect(output).not.toContain('13900139000') // website A's data, not the phone itself
  })

  it('should give each user their own orders', async () => {
    const a = await chatSession('13800138000')
    const b = await chatSession('15000150000')
    const orders = async (sessionId: string) =>
      JSON.parse(((await (await toolCall({ sessionId }).send()).json()) as { output: string }).output)
    expect((await orders(a.sessionId)).orders[0].id).toMatch(/^A8000-/)
    expect((await orders(b.sessionId)).orders[0].id).toMatch(/^A0000-/)
  })

  it('should refuse a bad signature with 401 and a replayed call too', async () => {
    const { sessionId } = await chatSession('13800138000')
    const forged = toolCall({ sessionId }, 'guessed-secret-0123456789abcdef')
    const refused = await forged.send()
    expect(refused.status).toBe(401)
    expect(await refused.json()).toEqual({ error: 'SIGNATURE_INVALID' })

    const call = toolCall({ sessionId })
    expect((await call.send()).status).toBe(200)
    const replay = await call.send()
    expect(replay.status).toBe(401)
    expect(await replay.json()).toEqual({ error: 'NONCE_REPLAYED' })
  })

  it('should refuse an unsigned call and a signed call that is not a tool call', async () => {
    const unsigned = await fetch(site.url + '/tools', { method: 'POST', body: '{}' })
    expect(unsigned.status).toBe(401)
    const res = await toolCall({}).send() // no sessionId
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'BAD_REQUEST' })
  })

  it('should tell the bot when the user has logged out or the tool is unknown', async () => {
    const { cookie, sessionId } = await chatSession('13800138000')
    const other = await toolCall({ sessionId, name: 'delete_account' }).send()
    expect(JSON.parse(((await other.json()) as { output: string }).output)).toEqual({
      error: 'unknown tool delete_account',
    })
    await post('/logout', { cookie })
    const res = await toolCall({ sessionId }).send()
    expect(res.status).toBe(200)
    expect(JSON.parse(((await res.json()) as { output: string }).output)).toEqual({
      error: 'user not logged in',
    })
  })
})
