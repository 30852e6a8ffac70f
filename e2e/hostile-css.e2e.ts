/**
 * Issue 4, "Must show" 3: the host page turns hostile (`* { all: unset !important; color: red
 * !important; font-size: 40px !important }` and worse) while the widget is open with an answer in it.
 * Every computed style property and the box of each key element inside the shadow root stay exactly as
 * they were, while the attack visibly reaches the page's own elements.
 */
import { describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import {
  ask,
  inPage,
  hasChromium,
  login,
  openWidget,
  suiteTitle,
  waitForAnswer,
  WAIT,
  useDemo,
} from './support/browser'
import type { Demo } from './support/demo'
import type { StyleProbe } from './support/page-api'

// The attack, plus what it leaves out: inherited text properties the widget never sets itself,
// and properties on the host element that would move or hide a `position: fixed` panel (a transform or
// filter makes the host the panel's containing block).
const HOSTILE_CSS = [
  '* { all: unset !important; color: red !important; font-size: 40px !important }',
  'body, volcano-chat { letter-spacing: 3px !important; word-spacing: 9px !important;',
  '  font-style: italic !important; text-transform: uppercase !important;',
  '  text-shadow: 0 0 2px lime !important; cursor: wait !important }',
  'volcano-chat { transform: translate(-50px, -50px) !important; filter: blur(1px) !important;',
  '  opacity: 0.5 !important }',
].join('\n')

// One of each kind of element the panel shows: chrome, conversation, Markdown, chips, composer.
const PROBES = [
  '.vc-root',
  '.vc-launcher',
  '.vc-panel',
  '.vc-header',
  '.vc-title',
  '.vc-header-btn',
  '.vc-notice',
  '.vc-messages',
  '.vc-msg',
  '.vc-q',
  '.vc-answer',
  '.vc-md',
  '.vc-md :is(h1, h2, h3)',
  '.vc-md p',
  '.vc-md strong',
  '.vc-md table',
  '.vc-md th',
  '.vc-md td',
  '.vc-chip',
  '.vc-composer',
  '.vc-input',
  '.vc-send',
]

/** Only the properties that differ, so a failure names them. */
function diff(a: StyleProbe, b: StyleProbe) {
  const out: string[] = []
  for (const sel of Object.keys(a))
    for (const prop of new Set([...Object.keys(a[sel]!), ...Object.keys(b[sel] ?? {})]))
      if (a[sel]![prop] !== b[sel]?.[prop]) out.push(`${sel} ${prop}: ${a[sel]![prop]} → ${b[sel]?.[prop]}`)
  return out
}

describe.skipIf(!hasChromium)(suiteTitle('hostile host CSS on demo website A'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  it('should keep every computed style and box inside the shadow root under hostile page CSS', async () => {
    const { page, pageErrors } = await login(browser, demo)
    await openWidget(page)
    // A question whose scripted answer has a heading, a table and bold text (the sim is deterministic).
    const question = Array.from({ length: 100 }, (_, i) => `请对比一下两种方案（${i}）`).find((q) =>
      /^#.*\n[^]*\| --- \|[^]*\*\*/.test(demo.stack.sim.answerFor(q).text),
    )
    expect(question, 'no sim template with a table found').toBeDefined()
    await ask(page, question!)
    await waitForAnswer(page, 1)
    await page.locator('volcano-chat .vc-chip').first().waitFor()
    await page.mouse.move(1, 1) // no hover state on either side of the comparison

    const plain = await page.evaluate(inPage.probeStyles, PROBES)
    expect(plain['.vc-panel']!.position).toBe('fixed') // the widget's styles (nonce'd) are in force
    expect(plain['.vc-md th']!['font-weight']).toBe('700')

    // The page itself serves the attack, so it carries the page's CSP nonce (website A allows no
    // other style).
    await page.evaluate(inPage.addPageStyle, HOSTILE_CSS)
    const pageStyle = () => page.evaluate(inPage.pageTextStyle, 'header h1')
    await expect.poll(pageStyle, WAIT).toEqual({ color: 'rgb(255, 0, 0)', fontSize: '40px' })

    const hostile = await page.evaluate(inPage.probeStyles, PROBES)
    expect(diff(plain, hostile)).toEqual([])
    expect(Object.keys(plain['.vc-md']!).length).toBeGreaterThan(200) // really every property
    expect(pageErrors).toEqual([])
    await page.context().close()
  })
})
