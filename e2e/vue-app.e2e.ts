/**
 * Issue 4, "Must show" 6: the widget as a Vue component (`@volcano-chat/widget`) in a plain Vue 3 app
 * built by Vite, talking to the real Chat Service: it opens, streams an answer and reports `vc-message`.
 */
import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import { build } from 'vite'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../packages/server/test/harness'
import { ensureBuild } from '../packages/widget/e2e/ensure-build'
import { hasChromium, launchChromium, suiteTitle, WAIT } from './support/browser'

const appDir = fileURLToPath(new URL('../examples/vue-app', import.meta.url))
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }

/** Serves the built app; any other path gets index.html. */
async function serve(dir: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    const file = join(dir, path === '/' || !extname(path) ? 'index.html' : path)
    try {
      const body = await readFile(file)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return server
}

describe.skipIf(!hasChromium)(suiteTitle('widget as a Vue component'), () => {
  let stack: Stack
  let site: Server
  let browser: Browser
  let origin: string

  beforeAll(async () => {
    ensureBuild(fileURLToPath(new URL('../packages/widget', import.meta.url)))
    const outDir = join(appDir, 'dist')
    await build({ root: appDir, logLevel: 'warn', build: { outDir, emptyOutDir: true } })
    site = await serve(outDir)
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
    stack = await startStack({ backend: 'mysql', env: { CORS_ORIGINS: origin } })
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await stack?.close()
    await new Promise((r) => site?.close(r))
  })

  it('should mount, stream an answer and emit vc-message in a plain Vue app', async () => {
    const user = await stack.newUser()
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(
      `${origin}/?apiBase=${encodeURIComponent(stack.url)}&token=${encodeURIComponent(user.token)}`,
    )
    const input = page.locator('volcano-chat .vc-input')
    await input.waitFor()
    const question = '在 Vue 应用里也能用吗？'
    await input.fill(question)
    await input.press('Enter')
    await expect.poll(() => page.locator('#answers').innerText(), WAIT).toBe('answers: 1')
    const rows = await stack.store.listConversations(user.userId, 5)
    const [row] = await stack.store.listMessages(user.userId, rows[0]!.id, { limit: 1 })
    expect(row).toMatchObject({ question, status: 'completed', answer: stack.sim.answerFor(question).text })
    expect(errors).toEqual([])
    await page.close()
  })
})
