/**
 * Issue 21, the host API in Chromium on the real stack (demo website A, the documented script tag):
 * `send()` on the light loader's element before the app is there loads it, opens the panel and sends
 * the question once; an answer that ends after `close()` fires `vc-unread` and puts "1" on the launcher,
 * which the loader's launcher still shows on the next page load (the same look as the app's); `open()`
 * clears it and fires `vc-open`; `newConversation()` empties the panel.
 */
import { mkdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  hasChromium,
  inPage,
  login,
  recorded,
  suiteTitle,
  useDemo,
  waitForAnswer,
  WAIT,
} from './support/browser'
import type { Demo } from './support/demo'

const widget = (page: Page, css: string) => page.locator(`volcano-chat ${css}`)
// Strings, not functions: this file is type-checked without the DOM library (page-scripts.ts has it).
const EL = "document.querySelector('volcano-chat')"
/** The host's view: the host API events, with `detail[0]`. */
const RECORD_HOST_EVENTS = `(() => {
  window.__vcHost = []
  for (const type of ['vc-open', 'vc-close', 'vc-unread'])
    ${EL}.addEventListener(type, (e) => window.__vcHost.push([type, e.detail[0] ?? null]))
})()`
const hostEvents = (page: Page) => page.evaluate('window.__vcHost') as Promise<[string, unknown][]>
/** Vue's panel is in the shadow root: the full widget has taken over the loader's element. */
const adopted = async (page: Page) => (await widget(page, '.vc-panel').count()) > 0

/** Questions the Chat Service put to Coze (`POST /v3/chat`), by their text. */
const chatsAtCoze = (demo: Demo) =>
  demo.stack.sim.requests.filter((r) => r.method === 'POST' && r.path.split('?')[0] === '/v3/chat').length

const SCREENSHOTS = new URL('screenshots/', import.meta.url)

describe.skipIf(!hasChromium)(suiteTitle('host API on demo website A'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  it('should send from the loader before the app, count an answer read while closed, clear it on open, start anew', async () => {
    const { page, context, pageErrors } = await login(browser, demo)
    await page.evaluate(RECORD_HOST_EVENTS)
    expect(await adopted(page)).toBe(false) // the loader only

    // send() on the loader's element: the app loads, the panel opens, the question goes out once.
    const first = '你好，介绍一下你们的平台'
    const before = chatsAtCoze(demo)
    expect(await page.evaluate(`${EL}.send(${JSON.stringify(first)})`)).toBe(true)
    expect(await adopted(page)).toBe(true)
    await widget(page, '.vc-panel').waitFor({ state: 'visible' })
    const one = await waitForAnswer(page, 1)
    expect(one).toMatchObject({ question: first, status: 'completed' })
    expect(chatsAtCoze(demo) - before).toBe(1)
    expect(await hostEvents(page)).toEqual([['vc-open', null]])

    // A second question, then close() in the same task: its answer ends behind the closed panel.
    const second = '再介绍一下价格'
    await page.evaluate(`${EL}.send(${JSON.stringify(second)}); ${EL}.close()`)
    await widget(page, '.vc-panel').waitFor({ state: 'hidden' })
    expect(await waitForAnswer(page, 2)).toMatchObject({ question: second, status: 'completed' })
    await expect.poll(() => hostEvents(page), WAIT).toContainEqual(['vc-unread', { count: 1 }])
    expect(await hostEvents(page)).toEqual([
      ['vc-open', null],
      ['vc-close', null],
      ['vc-unread', { count: 1 }],
    ])
    const badge = widget(page, '.vc-launcher .vc-badge')
    expect(await badge.innerText()).toBe('1')
    expect(await widget(page, '.vc-launcher').getAttribute('aria-label')).toBe('打开聊天（1 条新回答）')
    const appBadge = await page.evaluate(inPage.probeStyles, ['.vc-badge'])
    mkdirSync(SCREENSHOTS, { recursive: true })
    await page.screenshot({ path: new URL('unread-badge.png', SCREENSHOTS).pathname })

    // The next page of the site: the loader's launcher shows the same badge before the app loads.
    await page.reload()
    await widget(page, '.vc-launcher .vc-badge').waitFor()
    expect(await adopted(page)).toBe(false)
    expect(await widget(page, '.vc-badge').innerText()).toBe('1')
    expect(await widget(page, '.vc-launcher').getAttribute('aria-label')).toBe('打开聊天（1 条新回答）')
    expect(await page.evaluate(inPage.probeStyles, ['.vc-badge'])).toEqual(appBadge)
    await page.evaluate(inPage.installRecorder)
    await page.evaluate(RECORD_HOST_EVENTS)

    // open() on the loader's element: the app loads, the panel opens with the history, the badge goes.
    await page.evaluate(`${EL}.open()`)
    await widget(page, '.vc-panel').waitFor({ state: 'visible' })
    await expect.poll(() => page.evaluate(inPage.focusedTag), WAIT).toBe('TEXTAREA')
    await expect.poll(() => widget(page, '.vc-msg').count(), WAIT).toBe(2)
    expect(await widget(page, '.vc-badge').count()).toBe(0)
    expect(await widget(page, '.vc-launcher').getAttribute('aria-label')).toBe('关闭聊天')
    expect(await hostEvents(page)).toEqual([
      ['vc-open', null],
      ['vc-unread', { count: 0 }],
    ])

    // newConversation(): empty at once, no confirmation; the next question starts that conversation.
    const askedBefore = chatsAtCoze(demo)
    await page.evaluate(`${EL}.newConversation()`)
    await expect.poll(() => widget(page, '.vc-msg').count(), WAIT).toBe(0)
    expect(await widget(page, '.vc-confirm').count()).toBe(0)
    const third = '新的问题'
    expect(await page.evaluate(`${EL}.send(${JSON.stringify(third)})`)).toBe(true)
    const answer = await waitForAnswer(page, 1) // the recorder was installed after the reload
    expect(answer).toMatchObject({ question: third, status: 'completed' })
    expect(answer.conversationId).not.toBe(one.conversationId)
    expect(chatsAtCoze(demo) - askedBefore).toBe(1)
    expect(await widget(page, '.vc-msg').count()).toBe(1)

    expect((await recorded(page)).errors).toEqual([])
    expect(pageErrors).toEqual([])
    await context.close()
  })
})
