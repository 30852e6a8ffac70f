/**
 * Issue 21, "Must show" 11: the widget in a Nuxt 3 app through `@volcano-chat/nuxt` (examples/nuxt-app,
 * built by `nuxi build` and run as `node .output/server/index.mjs`). The page is rendered on the server
 * without the widget (a client-only component: no `window` there), hydrates, the widget mounts, gets its
 * token from the app's `tokenEndpoint` (a Nitro route signing with `@volcano-chat/client`) and streams
 * an answer from the real Chat Service.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, request, type Server } from 'node:http'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S2S_KEY, startStack, type Stack } from '../packages/server/test/harness'
import { ensureNuxtApp } from '../scripts/pack-check-build'
import { hasChromium, launchChromium, randomPhone, suiteTitle, WAIT } from './support/browser'

/** Starts the built app on port 0 and resolves its port once it listens. */
function startApp(output: string, env: Record<string, string>, log: string[]) {
  const child = spawn(process.execPath, [join(output, 'server/index.mjs')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NUXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const port = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      log.push(chunk.toString())
      const m = /Listening on http:\/\/\S+:(\d+)/.exec(log.join(''))
      if (m) resolve(Number(m[1]))
    })
    child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()))
    child.once('exit', (code) => reject(new Error(`the Nuxt app exited (${code}): ${log.join('')}`)))
  })
  return { child, port }
}

/**
 * The browser's origin must be known before the Chat Service starts (its CORS_ORIGINS) and the app needs
 * the service's URL when it starts: this front listens first and passes every request to the app.
 */
async function startFront(target: () => number): Promise<Server> {
  const front = createServer((req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port: target(), path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r))
  return front
}

describe.skipIf(!hasChromium)(suiteTitle('widget in a Nuxt 3 app (@volcano-chat/nuxt)'), () => {
  let stack: Stack
  let front: Server
  let app: ChildProcess
  let browser: Browser
  let origin: string
  let appPort = 0
  const appLog: string[] = []

  beforeAll(async () => {
    const started = Date.now()
    const output = ensureNuxtApp()
    console.log(
      `[nuxt-app] packages and app built or up to date in ${Math.round((Date.now() - started) / 1000)} s`,
    )
    front = await startFront(() => appPort)
    origin = `http://127.0.0.1:${(front.address() as AddressInfo).port}`
    stack = await startStack({ backend: 'mysql', env: { CORS_ORIGINS: origin } })
    const { child, port } = startApp(
      output,
      {
        NUXT_PUBLIC_VOLCANO_CHAT_SERVICE_URL: stack.url,
        NUXT_CHAT_SERVICE_URL: stack.url,
        NUXT_CHAT_SERVICE_KEY_ID: S2S_KEY.id,
        NUXT_CHAT_SERVICE_SECRET: S2S_KEY.secret,
      },
      appLog,
    )
    app = child
    appPort = await port
    browser = await launchChromium()
  }, 300_000)

  afterAll(async () => {
    await browser?.close()
    if (app && app.exitCode === null) {
      const exited = new Promise((r) => app.once('exit', r))
      app.kill()
      await exited
    }
    await stack?.close()
    await new Promise((r) => front?.close(r))
  })

  it('should render the page on the server without the widget and without an error', async () => {
    const res = await fetch(`${origin}/`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<h1>Nuxt app</h1>')
    expect(html).toContain('answers: 0')
    // Client-only: nothing of the widget is rendered on the server, and nothing failed trying.
    expect(html).not.toMatch(/<volcano-chat|vc-panel|vc-input|vc-launcher/)
    // The options reach the page through the public runtime config; the signing key stays on the server.
    expect(html).toContain(stack.url)
    expect(html).not.toContain(S2S_KEY.secret)
    expect(appLog.join('')).not.toMatch(
      /window is not defined|document is not defined|\[nuxt\].*error|Error:/i,
    )
  })

  it('should hydrate, mount the widget with a token from tokenEndpoint and stream an answer', async () => {
    const phone = randomPhone()
    const context = await browser.newContext()
    await context.addCookies([{ name: 'demo-phone', value: phone, url: origin }])
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error' || /hydration/i.test(m.text())) errors.push(m.text())
    })
    await page.goto(`${origin}/`)
    const input = page.locator('volcano-chat .vc-input')
    await input.waitFor()
    const question = '在 Nuxt 应用里也能用吗？'
    await input.fill(question)
    await input.press('Enter')
    // The page's own counter moves on `vc-message`: the app hydrated and the widget's event reached it.
    await expect.poll(() => page.locator('#answers').innerText(), WAIT).toBe('answers: 1')
    const { userId } = await stack.newUser(phone)
    const rows = await stack.store.listConversations(userId, 5)
    const [row] = await stack.store.listMessages(userId, rows[0]!.id, { limit: 1 })
    expect(row).toMatchObject({ question, status: 'completed', answer: stack.sim.answerFor(question).text })
    expect(errors).toEqual([])
    await context.close()
  })
})
