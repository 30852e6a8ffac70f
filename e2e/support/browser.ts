/**
 * System Chromium through playwright-core (never a downloaded browser), and the steps every flow
 * shares: log in on demo website A, open the widget, ask, wait for the answer. Everything inside the
 * widget is read through its open shadow root; Playwright's CSS locators pierce it.
 */
import { afterAll, beforeAll, expect } from 'vitest'
import MarkdownIt from 'markdown-it'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { CHROMIUM, hasChromium, launchChromium } from '../../packages/widget/e2e/chromium'
import { startFaultProxy, type FaultProxy } from '../../packages/server/test/fault-proxy'
import { startDemo, type Demo, type DemoOptions } from './demo'
import type { AudioProbe, PageScripts, Recorded, VcMessage } from './page-api'

export type { AudioProbe, Recorded, VcMessage } from './page-api'

// The code that runs in the page needs the DOM types, which the root program (Node packages) must not
// get, so page-scripts.ts has its own program (e2e/tsconfig.json) and is imported here by a computed
// specifier the type checker does not follow; `PageScripts` keeps both sides in step.
const PAGE_SCRIPTS = new URL('page-scripts.ts', import.meta.url).href
export const inPage = ((await import(/* @vite-ignore */ PAGE_SCRIPTS)) as { pageScripts: PageScripts })
  .pageScripts

export { CHROMIUM, hasChromium, launchChromium }

const SKIP_REASON = `no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium package)`
if (!hasChromium) console.warn(`[e2e] browser flows skipped: ${SKIP_REASON}`)

/** Suite title that says why it was skipped (verbose reporters print titles of skipped suites). */
export const suiteTitle = (name: string) => (hasChromium ? name : `${name} [skipped: ${SKIP_REASON}]`)

/** Generous bounds for waiting on the browser; nothing asserts how long anything took. */
export const WAIT = { timeout: 60_000, interval: 50 }

export interface DemoPage {
  context: BrowserContext
  page: Page
  phone: string
  /** Dialogs that opened (each is dismissed). */
  dialogs: string[]
  /** Uncaught exceptions in the page. */
  pageErrors: string[]
  /** Console messages of type error (failed requests show up here too). */
  consoleErrors: string[]
  /** Every request the page made, as `METHOD url`. */
  requests: string[]
}

export const randomPhone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`

/**
 * A new browser context (own cookies), logged in on website A by typing a phone number. `init` runs in
 * every page of the context before the page's own scripts (e.g. `inPage.installAudioProbe`).
 */
export async function login(
  browser: Browser,
  demo: Demo,
  opts: { phone?: string; viewport?: { width: number; height: number }; init?: () => void } = {},
): Promise<DemoPage> {
  const phone = opts.phone ?? randomPhone()
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    locale: 'zh-CN',
  })
  if (opts.init) await context.addInitScript(opts.init)
  const page = await context.newPage()
  const dp: DemoPage = { context, page, phone, dialogs: [], pageErrors: [], consoleErrors: [], requests: [] }
  page.on('dialog', (d) => {
    dp.dialogs.push(d.message())
    void d.dismiss()
  })
  page.on('pageerror', (e) => dp.pageErrors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && dp.consoleErrors.push(m.text()))
  page.on('request', (r) => dp.requests.push(`${r.method()} ${r.url()}`))

  await page.goto(`${demo.site.url}/login`)
  await page.locator('input[name="other"]').pressSequentially(phone)
  await page.locator('form[action="/login"] button[type="submit"]').click()
  await page.waitForURL(`${demo.site.url}/`)
  await page.locator('volcano-chat .vc-launcher').waitFor()
  await page.evaluate(inPage.installRecorder)
  return dp
}

export const recorded = (page: Page): Promise<Recorded> => page.evaluate(inPage.recorded)

/** What the page's Web Audio was given to play (needs `login(…, { init: inPage.installAudioProbe })`). */
export const audioProbe = (page: Page): Promise<AudioProbe> => page.evaluate(inPage.audioProbe)

/** Opens the panel and waits for the (empty) history of a new user to load. */
export async function openWidget(page: Page) {
  await page.locator('volcano-chat .vc-launcher').click()
  await page.locator('volcano-chat .vc-panel').waitFor({ state: 'visible' })
  await page.locator('volcano-chat .vc-empty').waitFor()
  // Focus moves into the panel on open.
  await expect.poll(() => page.evaluate(inPage.focusedTag), WAIT).toBe('TEXTAREA')
}

/** Types a question into the composer and sends it with Enter, as a person would. */
export async function ask(page: Page, question: string) {
  const input = page.locator('volcano-chat .vc-input')
  await input.fill(question)
  await input.press('Enter')
}

/** Waits until `n` answers have ended (`vc-message`) and returns the newest. */
export async function waitForAnswer(page: Page, n: number): Promise<VcMessage> {
  await expect.poll(async () => (await recorded(page)).messages.length, WAIT).toBeGreaterThanOrEqual(n)
  return (await recorded(page)).messages[n - 1]!
}

/** The text of an answer as rendered (`index` < 0: from the end), code blocks' toolbars left out. */
export const answerText = (page: Page, index = -1): Promise<string> => page.evaluate(inPage.answerText, index)

/** Whitespace-insensitive form of rendered text (renderers differ in newlines between blocks). */
export const squash = (s: string) => s.replace(/\s+/g, ' ').trim()

// The widget's Markdown settings (packages/widget/src/render/markdown.ts), without its sanitiser and
// code-block toolbar: for the sim's ordinary answers both give the same text.
const md = new MarkdownIt({ html: false, linkify: true, breaks: true })

/**
 * The text `markdown` shows once rendered, squashed: markdown-it in Node, then the page's own HTML
 * parser (`DOMParser` documents run nothing) for the text content.
 */
export async function renderedText(page: Page, markdown: string): Promise<string> {
  const html = md.render(markdown)
  return squash(await page.evaluate(inPage.htmlText, html))
}

/**
 * Sends `POST /api/chat/send` through a TCP hop of the test's own, which the test resets to cut the
 * answer as a network going away under an open response would (nothing in it knows HTTP); everything
 * else, the resume too, goes straight to the service.
 */
export async function sendThroughHop(page: Page, serviceUrl: string): Promise<FaultProxy> {
  const target = new URL(serviceUrl)
  const hop = await startFaultProxy({ host: target.hostname, port: Number(target.port) })
  const hopUrl = `http://${hop.address}`
  await page.route('**/api/chat/send', (route) =>
    route.continue({ url: route.request().url().replace(serviceUrl, hopUrl) }),
  )
  return hop
}

export const noticeText = (page: Page) => page.locator('volcano-chat .vc-notice').innerText()

/**
 * The demo (see `startDemo`) and a Chromium for the enclosing `describe`, closed after it; `use` hands
 * both over once they are up. `chromiumArgs` are added to the launcher's own switches.
 */
export function useDemo(
  { chromiumArgs, ...opts }: DemoOptions & { chromiumArgs?: readonly string[] },
  use: (demo: Demo, browser: Browser) => void,
) {
  let demo: Demo | undefined
  let browser: Browser | undefined
  beforeAll(async () => {
    demo = await startDemo(opts)
    browser = await launchChromium(chromiumArgs)
    use(demo, browser)
  })
  afterAll(async () => {
    await browser?.close()
    await demo?.close()
  })
}
