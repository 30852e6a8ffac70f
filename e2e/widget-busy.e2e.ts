/**
 * Issue 21, "fix first", in Chromium on demo website A: the widget never freezes. Two tabs of one user
 * (tab 2 asks while tab 1's answer streams), and a new question right after a failed answer, end with
 * every answer in the order asked, nothing shown twice, and Send enabled; Stop pressed before the
 * first token ends the answer `cancelled`, with focus in the input.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  ask,
  hasChromium,
  inPage,
  login,
  openWidget,
  recorded,
  suiteTitle,
  useDemo,
  waitForAnswer,
  WAIT,
} from './support/browser'
import type { Demo } from './support/demo'

const questions = (page: Page) =>
  page.locator('volcano-chat .vc-q').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()))
const problems = (page: Page) => page.locator('volcano-chat .vc-problem').count()
const sendEnabled = async (page: Page) => {
  await page.locator('volcano-chat .vc-input').fill('再问一个')
  return page.locator('volcano-chat .vc-send[type="submit"]').isEnabled()
}

describe.skipIf(!hasChromium)(suiteTitle('The widget never freezes'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  it('should show the other tab’s answer in order, then let this tab ask again', async () => {
    const tab1 = await login(browser, demo)
    await openWidget(tab1.page)
    await ask(tab1.page, '第一个问题')
    await waitForAnswer(tab1.page, 1)

    // Tab 2 of the same user: the same conversation from history.
    const tab2 = await tab1.context.newPage()
    await tab2.goto(`${demo.site.url}/`)
    await tab2.locator('volcano-chat .vc-launcher').click()
    await expect.poll(() => questions(tab2), WAIT).toEqual([expect.stringContaining('第一个问题')])

    await ask(tab1.page, '慢慢回答 [[sim:tokens=60,tps=15]]')
    await tab1.page.locator('volcano-chat .vc-stop').waitFor()
    await ask(tab2, '我也要问') // 409: tab 1's answer is running

    await expect
      .poll(() => questions(tab2), WAIT)
      .toEqual([
        expect.stringContaining('第一个问题'),
        expect.stringContaining('慢慢回答'),
        expect.stringContaining('我也要问'),
      ])
    // Tab 2 follows tab 1's answer to its end, then Send works again.
    await expect.poll(() => tab2.locator('volcano-chat .vc-typing').count(), WAIT).toBe(0)
    await expect.poll(() => sendEnabled(tab2), WAIT).toBe(true)
    expect(await problems(tab2)).toBe(1) // the refused question only
    await tab1.context.close()
  })

  it('should ask again right after a failed answer without showing the failure twice', async () => {
    const { page, context } = await login(browser, demo)
    await openWidget(page)
    await ask(page, '会失败 [[sim:fail=3]]')
    await expect.poll(() => problems(page), WAIT).toBe(1)
    await ask(page, '再来一次')
    await expect
      .poll(async () => (await recorded(page)).messages.map((m) => m.status), WAIT)
      .toEqual(['failed', 'completed'])
    expect(await questions(page)).toEqual([
      expect.stringContaining('会失败'),
      expect.stringContaining('再来一次'),
    ])
    expect(await problems(page)).toBe(1)
    expect(await sendEnabled(page)).toBe(true)
    await context.close()
  })

  it('should stop an answer whose first token has not come yet', async () => {
    const { page, context } = await login(browser, demo)
    await openWidget(page)
    await ask(page, '先别说 [[sim:ttft=20000]]')
    const stop = page.locator('volcano-chat .vc-stop')
    await stop.waitFor()
    const pressed = Date.now()
    await stop.click()
    await expect
      .poll(async () => (await recorded(page)).messages.map((m) => m.status), WAIT)
      .toEqual(['cancelled'])
    // Reported, not asserted: tests never depend on speed (issue 21 asks for well under 1 s).
    console.info(`[widget-busy] Stop before the first token → cancelled in ≤ ${Date.now() - pressed} ms`)
    expect(await page.locator('volcano-chat .vc-problem').first().innerText()).toContain('已停止生成。')
    // The keyboard stays in the panel: focus is in the input, not on <body>.
    expect(await page.evaluate(inPage.focusedTag)).toBe('TEXTAREA')
    expect(
      await page.locator('volcano-chat .vc-input').evaluate((el) => el.getRootNode().activeElement === el),
    ).toBe(true)
    expect(await sendEnabled(page)).toBe(true)
    await context.close()
  })
})
