/**
 * Demo website A on `node:http`: a fake login, then a page embedding the widget with a token its
 * backend got from the Chat Service (SPEC §1 phase 1). Only this server knows the S2S secret and the
 * user's phone; the browser sees a cookie and the opaque chat token. `POST /tools` answers the bot's
 * tool calls (SPEC §2.8), signed by the Chat Service.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import {
  createChatServiceClient,
  createMemoryNonceStore,
  verifyToolCall,
  type ChatServiceClient,
  type NonceStore,
} from '@volcano-chat/client'
import { createLogins, normalisePhone, type Login } from './logins'
import { myOrdersOutput } from './orders'
import { chatPage, errorPage, HOST_SCRIPT, loginPage, type WidgetAttributes } from './pages'

export type { WidgetAttributes } from './pages'

export interface WebsiteAOptions {
  port?: number
  host?: string
  /** Chat Service base URL for this backend's signed calls. */
  chatServiceUrl: string
  /** The same service as the browser reaches it, when that differs (proxy, container network). */
  publicChatServiceUrl?: string
  keyId: string
  secret: string
  /** Extra `<volcano-chat>` attributes, e.g. `{ features: 'cancel voice' }` to offer voice. */
  widget?: WidgetAttributes
  /**
   * Key id → secret the Chat Service signs tool calls with (its `TOOLS_KEY_ID`/`TOOLS_SECRET`);
   * without it `POST /tools` is not served.
   */
  toolKeys?: Record<string, string>
}

export interface WebsiteA {
  url: string
  close(): Promise<void>
}

const MAX_FORM_BYTES = 4096
const MAX_TOOL_CALL_BYTES = 512 * 1024

export async function startWebsiteA(opts: WebsiteAOptions): Promise<WebsiteA> {
  const client = createChatServiceClient({
    baseUrl: opts.chatServiceUrl,
    keyId: opts.keyId,
    secret: opts.secret,
  })
  const publicUrl = (opts.publicChatServiceUrl ?? opts.chatServiceUrl).replace(/\/+$/, '')
  const logins = createLogins()
  const route = createRoutes({
    client,
    logins,
    publicUrl,
    widget: opts.widget,
    toolKeys: opts.toolKeys,
    nonces: createMemoryNonceStore(),
  })

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      console.error('[website-a]', req.method, req.url, err)
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error')
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 3000, opts.host ?? '127.0.0.1', resolve)
  })
  const { address, port } = server.address() as AddressInfo
  const shown = address.includes(':') ? `[${address}]` : address
  return {
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}

function createRoutes(d: {
  client: ChatServiceClient
  logins: ReturnType<typeof createLogins>
  publicUrl: string
  widget?: WidgetAttributes
  toolKeys?: Record<string, string>
  nonces: NonceStore
}) {
  /** A new chat token for this login; remembered so logout can revoke it and tools find the user. */
  async function issueToken(login: Login) {
    const session = await d.client.createSession({ phone: login.phone })
    d.logins.addSession(login, session.token, session.sessionId)
    return session
  }

  /** A tool call from the Chat Service: verified like any signed call, answered `{output}`. */
  async function tool(req: IncomingMessage, res: ServerResponse, keys: Record<string, string>) {
    const body = await readBytes(req, MAX_TOOL_CALL_BYTES).catch(() => undefined)
    if (body === undefined) return json(res, 413, { error: 'too large' })
    const verified = await verifyToolCall(
      { method: req.method!, url: req.url!, headers: req.headers, body },
      { keys, nonceStore: d.nonces },
    )
    if (!verified.ok) return json(res, verified.status, { error: verified.code })
    const { name, sessionId, args } = verified.call
    // The bot acts only for the user whose chat this is, and only while that login lasts.
    const login = d.logins.bySession(sessionId)
    if (!login) return json(res, 200, { output: JSON.stringify({ error: 'user not logged in' }) })
    if (name === 'my_orders') return json(res, 200, { output: myOrdersOutput(login.phone, args) })
    json(res, 200, { output: JSON.stringify({ error: `unknown tool ${name}` }) })
  }

  return async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const nonce = randomBytes(16).toString('base64')
    const login = d.logins.get(req.headers.cookie)
    const key = `${req.method} ${path}`

    if (key === 'GET /healthz') return send(res, 200, 'text/plain', 'ok')
    if (key === 'GET /host.js') return send(res, 200, 'text/javascript; charset=utf-8', HOST_SCRIPT)
    if (key === 'GET /login') return html(res, 200, nonce, d.publicUrl, loginPage(nonce))
    if (key === 'POST /login') {
      const form = new URLSearchParams(await readBody(req))
      const phone = normalisePhone(form.get('other')?.trim() || form.get('phone') || '')
      if (!phone) return html(res, 400, nonce, d.publicUrl, loginPage(nonce, '请输入有效的中国大陆手机号'))
      const { cookie } = d.logins.start(phone)
      return redirect(res, '/', cookie)
    }
    if (key === 'POST /logout') {
      const ended = d.logins.end(req.headers.cookie)
      // Ends this login's chat sessions at once (SPEC §2.1 revoke), not only the cookie.
      const results = await Promise.allSettled(
        [...(ended?.tokens ?? [])].map((token) => d.client.revokeSession({ token })),
      )
      for (const r of results)
        if (r.status === 'rejected') console.error('[website-a] revoke failed:', r.reason)
      return redirect(res, '/login', d.logins.clearCookie)
    }
    if (key === 'GET /') {
      if (!login) return redirect(res, '/login')
      try {
        const { token } = await issueToken(login)
        return html(
          res,
          200,
          nonce,
          d.publicUrl,
          chatPage({ nonce, phone: login.phone, chatServiceUrl: d.publicUrl, token, widget: d.widget }),
        )
      } catch (err) {
        console.error('[website-a] session/create failed:', err)
        return html(res, 502, nonce, d.publicUrl, errorPage(nonce, '智能助手暂时不可用，请稍后刷新页面。'))
      }
    }
    if (key === 'POST /api/chat-token') {
      // A custom header cannot be sent cross-site without a CORS preflight, which this site never allows.
      if (req.headers['x-requested-with'] !== 'fetch') return json(res, 403, { error: 'forbidden' })
      if (!login) return json(res, 401, { error: 'not logged in' })
      try {
        const { token, expiresAt } = await issueToken(login)
        return json(res, 200, { token, expiresAt })
      } catch (err) {
        console.error('[website-a] session/create failed:', err)
        return json(res, 502, { error: 'chat service unavailable' })
      }
    }
    if (key === 'POST /tools' && d.toolKeys) return tool(req, res, d.toolKeys)
    send(res, 404, 'text/plain; charset=utf-8', 'Not found')
  }
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers })
  res.end(body)
}

/**
 * Scripts only from here and the Chat Service; styles only with the nonce (the widget puts it on its own).
 * Connections to the service over HTTP and its voice WebSockets: an `http:` source does not cover `ws:`.
 * `blob:` images: the widget shows the user's own attachments from object URLs (fetched with the token).
 */
function html(res: ServerResponse, status: number, nonce: string, chatOrigin: string, body: string) {
  const origin = new URL(chatOrigin).origin
  const sockets = origin.replace(/^http/, 'ws')
  send(res, status, 'text/html; charset=utf-8', body, {
    'Content-Security-Policy':
      `default-src 'self'; script-src 'self' ${origin} 'nonce-${nonce}'; style-src 'nonce-${nonce}'; ` +
      `connect-src 'self' ${origin} ${sockets}; img-src 'self' https: data: blob:; frame-ancestors 'none'`,
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
  })
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body))

function redirect(res: ServerResponse, location: string, cookie?: string) {
  res.writeHead(303, {
    Location: location,
    'Cache-Control': 'no-store',
    ...(cookie ? { 'Set-Cookie': cookie } : {}),
  })
  res.end()
}

const readBody = async (req: IncomingMessage) => (await readBytes(req, MAX_FORM_BYTES)).toString('utf8')

/** The raw bytes: a signature covers them, not their decoding. */
async function readBytes(req: IncomingMessage, max: number): Promise<Buffer> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > max) throw new Error('body too large')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}
