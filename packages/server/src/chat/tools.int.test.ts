/**
 * Issue 18, Must show 5: a bot's `function` call (coze-protocol §9 row 3) answered by demo website A's
 * signed tool endpoint (SPEC §2.8), end to end on MariaDB + Redis; a forged call is refused by website A;
 * a tool that does not answer in time gives Coze the failure output and the answer still completes.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startWebsiteA, type WebsiteA } from '@volcano-chat/website-a'
import { signRequest } from '@volcano-chat/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S2S_KEY, startStack, type Stack } from '../../test/harness'
import { readStream } from '../../test/sse-client'

const TOOLS = { keyId: 'chat-service-tools', secret: 'tools-secret-0123456789abcdef' }
const messageIdOf = (events: { data: unknown }[]) => (events[0]!.data as { messageId: string }).messageId

describe("website A's tools (mysql)", () => {
  let stack: Stack
  let site: WebsiteA
  let siteUrl = ''
  /**
   * TOOLS_URL points here: website A needs the service's URL and the service website A's, so the
   * service calls this forwarder, which passes each call on unchanged to website A, or (`silent`)
   * never answers.
   */
  let silent = false
  const forwarder: Server = createServer((req, res) => {
    if (silent) return
    void readBody(req).then(async (body) => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => k.startsWith('x-vc-') || k === 'content-type'),
      ) as Record<string, string>
      const answer = await fetch(`${siteUrl}${req.url}`, { method: 'POST', headers, body })
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text())
    })
  })
  beforeAll(async () => {
    await new Promise<void>((r) => forwarder.listen(0, '127.0.0.1', r))
    const port = (forwarder.address() as AddressInfo).port
    stack = await startStack({
      backend: 'mysql',
      env: {
        TOOLS_URL: `http://127.0.0.1:${port}/tools`,
        TOOLS_KEY_ID: TOOLS.keyId,
        TOOLS_SECRET: TOOLS.secret,
        TOOLS_TIMEOUT_MS: '1000',
      },
    })
    site = await startWebsiteA({
      port: 0,
      chatServiceUrl: stack.url,
      keyId: S2S_KEY.id,
      secret: S2S_KEY.secret,
      toolKeys: { [TOOLS.keyId]: TOOLS.secret },
    })
    siteUrl = site.url
  })
  afterAll(async () => {
    await site?.close()
    await stack?.close()
    forwarder.closeAllConnections()
    await new Promise((r) => forwarder.close(r))
  })

  /** Logs in at website A and reads the widget token off its chat page, as a browser would. */
  async function loginAtWebsiteA(phone: string) {
    const res = await fetch(`${siteUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ phone }),
    })
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!
    const html = await (await fetch(`${siteUrl}/`, { headers: { cookie } })).text()
    return /token="([^"]+)"/.exec(html)![1]!
  }

  it("should answer the bot's my_orders call with the logged-in user's orders and complete", async () => {
    const token = await loginAtWebsiteA('13800138000')
    const r = await readStream(await stack.send(token, { message: '我的订单 [[sim:tool=my_orders]]' }))
    expect(r.events.find((e) => e.event === 'action')?.data).toMatchObject({
      kind: 'tool',
      name: 'my_orders',
    })
    expect(r.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed' } })
    const chat = stack.sim.chat((await chatIdOf(stack, token, messageIdOf(r.events)))!)
    expect(JSON.stringify(chat)).toMatch(/orders|订单/)
    expect(JSON.stringify(chat)).not.toContain('tool unavailable')
  })

  it('should refuse a tool call that is not signed by the service', async () => {
    const body = JSON.stringify({
      toolCallId: 'x',
      name: 'my_orders',
      arguments: '{}',
      sessionId: 's',
      conversationId: 'c',
      messageId: 'm',
    })
    const headers = signRequest({
      keyId: TOOLS.keyId,
      secret: 'not-the-secret-0123456789',
      method: 'POST',
      path: '/tools',
      body,
    })
    const res = await fetch(`${siteUrl}/tools`, { method: 'POST', headers, body })
    expect(res.status).toBe(401)
  })

  it('should give Coze the failure output when the tool does not answer in time, and still complete', async () => {
    silent = true
    try {
      const user = await stack.newUser()
      const r = await stack.chat(user.token, { message: '慢工具 [[sim:tool=my_orders]]' })
      expect(r.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed' } })
      const row = await stack.store.getMessage(user.userId, messageIdOf(r.events))
      expect(row?.status).toBe('completed')
      expect(JSON.stringify(stack.sim.chat(row!.cozeChatId!))).toContain('tool failed')
    } finally {
      silent = false
    }
  })
})

async function chatIdOf(stack: Stack, token: string, messageId: string) {
  const user = await stack.services.sessions.resolve(token)
  return (await stack.store.getMessage(user!.userId, messageId))?.cozeChatId
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
