/**
 * Issue 21, "Must show" 5 (the reload part) and 10: axe-core finds no serious or critical violation in
 * the widget's shadow root closed, open (an answer with reasoning, code and chips on screen), dark and
 * on a phone (390×844); after a reload the answer keeps its reasoning and its follow-up chips. Writes
 * e2e/screenshots/dark.png and phone.png (git-ignored).
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  ask,
  hasChromium,
  inPage,
  login,
  openWidget,
  suiteTitle,
  waitForAnswer,
  WAIT,
  useDemo,
} from './support/browser'
import type { AxeReport } from './support/page-api'
import type { Demo } from './support/demo'

const SCREENSHOTS = fileURLToPath(new URL('screenshots/', import.meta.url))
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
// An answer with reasoning, a code block and follow-up chips: every part of an answer is checked.
const QUESTION = '请给出一个示例代码 [[sim:reasoning]]'

/**
 * Runs axe on `<volcano-chat>` (its open shadow root included) and returns the serious and critical
 * findings. axe's source goes in through the DevTools protocol, which website A's CSP does not govern.
 */
async function axeFindings(page: Page): Promise<AxeReport['findings']> {
  if (!(await page.evaluate('typeof axe === "object"'))) await page.evaluate(AXE)
  const { findings, checked, unsure } = await page.evaluate(inPage.axeRun)
  expect(checked, 'axe reached the shadow root').toBeGreaterThan(0)
  if (process.env.VC_AXE_VERBOSE) console.log('[axe] needs review:', unsure.join(', ') || 'nothing')
  return findings
}

const rootVar = (page: Page, name: string) => page.evaluate(inPage.rootVar, name)

describe.skipIf(!hasChromium)(suiteTitle('accessibility and themes'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  it('should have no serious or critical axe findings closed, open, dark and on a phone', async () => {
    const { page, pageErrors } = await login(browser, demo)
    expect(await axeFindings(page), 'closed').toEqual([])

    await openWidget(page)
    await ask(page, QUESTION)
    const expected = demo.stack.sim.answerFor(QUESTION)
    expect(await waitForAnswer(page, 1)).toMatchObject({ status: 'completed' })
    await page.locator('volcano-chat .vc-chip').first().waitFor()
    expect(await axeFindings(page), 'open').toEqual([])

    // Dark: `auto` (the default) follows the system; the host's own --vc-* would still win.
    expect(await rootVar(page, '--vc-bg')).toBe('#fff')
    await page.emulateMedia({ colorScheme: 'dark' })
    await expect.poll(() => rootVar(page, '--vc-bg'), WAIT).toBe('#111827')
    expect(await axeFindings(page), 'dark').toEqual([])
    mkdirSync(SCREENSHOTS, { recursive: true })
    await page.locator('volcano-chat .vc-input').blur()
    await page.screenshot({ path: `${SCREENSHOTS}dark.png` })
    // The page's own --vc-* on the element beat either theme.
    const host = page.locator('volcano-chat')
    await host.evaluate((el) => el.setAttribute('style', '--vc-bg: #123456'))
    await expect.poll(() => rootVar(page, '--vc-bg'), WAIT).toBe('#123456')
    await host.evaluate((el) => el.removeAttribute('style'))
    // theme="light" wins over the system's preference.
    await page.locator('volcano-chat').evaluate((el) => el.setAttribute('theme', 'light'))
    await expect.poll(() => rootVar(page, '--vc-bg'), WAIT).toBe('#fff')
    await page.locator('volcano-chat').evaluate((el) => el.removeAttribute('theme'))
    await page.emulateMedia({ colorScheme: 'light' })

    // Phone: the panel takes the screen.
    await page.setViewportSize({ width: 390, height: 844 })
    await expect
      .poll(() => page.locator('volcano-chat .vc-panel').boundingBox(), WAIT)
      .toEqual({ x: 0, y: 0, width: 390, height: 844 })
    expect(await axeFindings(page), 'phone').toEqual([])
    await page.screenshot({ path: `${SCREENSHOTS}phone.png` })

    // A reload: the answer comes back from history with its reasoning and its chips.
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.reload()
    await page.locator('volcano-chat .vc-launcher').click()
    await page.locator('volcano-chat .vc-panel').waitFor({ state: 'visible' })
    await expect
      .poll(() => page.locator('volcano-chat .vc-reasoning-text').allTextContents(), WAIT)
      .toEqual([expected.reasoning])
    await expect
      .poll(() => page.locator('volcano-chat .vc-chip').allInnerTexts(), WAIT)
      .toEqual(expected.followUps)
    expect(pageErrors).toEqual([])
    await page.context().close()
  })
})
