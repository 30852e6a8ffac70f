// @vitest-environment node
/**
 * The built script-tag bundle in real Chromium (system `/usr/bin/chromium`, never a downloaded one):
 * registration, panel, progressive Markdown from a stubbed SSE stream, XSS payloads inert, and host
 * CSS unable to restyle the shadow root. Full flows against the real service come later (issue 4).
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { hasChromium, launchChromium } from './chromium'
import { ensureBuild } from './ensure-build'
import { startFixtureServer } from './fixture-server'

const pkgDir = fileURLToPath(new URL('..', import.meta.url))

const XSS = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=1</script>',
  '[javascript link](javascript:window.__xss=1)',
  '<a href="javascript:window.__xss=1">raw anchor</a>',
  '<svg onload="window.__xss=1"></svg>',
  '![img](x" onerror="window.__xss=1)',
  '```js" onmouseover="window.__xss=1\nalert(1)\n```',
].join('\n\n')

const answer = {
  first: '**你好**，这是第一部分。',
  rest: [
    '\n\n第二部分：\n\n```javascript\nconst x = 1\n```\n\n',
    XSS,
    '\n\n[文档](https://example.com/docs)',
  ],
  suggestions: ['还有什么？'],
}

// Compared with and without the hostile page CSS.
const PROBE_SELECTORS = [
  '.vc-launcher',
  '.vc-panel',
  '.vc-title',
  '.vc-header-btn',
  '.vc-input',
  '.vc-send',
  '.vc-empty',
]
const PROBE_PROPS = [
  'color',
  'font-size',
  'font-family',
  'display',
  'position',
  'width',
  'height',
  'background-color',
]

// A browser test: the same budget as the e2e project (e2e/vitest.config.ts), not the unit tests' 30 s,
// which a loaded CI machine can use up (seen once at a load average of 9).
describe.skipIf(!hasChromium)('script-tag bundle in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser
  let fixture: Awaited<ReturnType<typeof startFixtureServer>>

  beforeAll(async () => {
    fixture = await startFixtureServer(ensureBuild(pkgDir), answer)
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await fixture?.close()
  })

  async function openPage(query = ''): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const dialogs: string[] = []
    const errors: string[] = []
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(`${fixture.url}/host.html${query}`)
    await page.waitForFunction(() => !!customElements.get('volcano-chat'))
    return { page, dialogs, errors }
  }

  const answerText = (page: Page) => page.locator('volcano-chat .vc-md').last().innerText()

  it('should register, open with focus inside, stream Markdown progressively and keep XSS inert', async () => {
    const { page, dialogs, errors } = await openPage()
    await page.locator('volcano-chat .vc-launcher').click()
    await expect
      .poll(() =>
        page.evaluate(() => document.querySelector('volcano-chat')!.shadowRoot!.activeElement?.tagName),
      )
      .toBe('TEXTAREA')
    // Send waits for the (empty) history: an Enter before it is ignored, and a loaded machine is slow.
    await page.locator('volcano-chat .vc-empty').waitFor()

    await page.keyboard.type('你好')
    await page.keyboard.press('Enter')
    await expect.poll(() => answerText(page)).toContain('这是第一部分')
    expect(await answerText(page)).not.toContain('第二部分') // the rest is held back by the gate
    expect(await page.locator('volcano-chat .vc-md strong').first().innerText()).toBe('你好')
    expect(fixture.sends.at(-1)).toMatchObject({ auth: 'Bearer tok-1', body: { message: '你好' } })

    fixture.release()
    await expect.poll(() => answerText(page)).toContain('文档')
    await page.locator('volcano-chat .vc-chip').waitFor() // suggestions come with the end of the answer
    // The lazily imported language module arrived (through the strict CSP) and coloured the code.
    await page.locator('volcano-chat .vc-code .hljs-keyword').first().waitFor()

    // Poke every element as a user would, then look for anything that ran or could run.
    await page.evaluate(() => {
      const md = document.querySelector('volcano-chat')!.shadowRoot!.querySelectorAll('.vc-md *')
      for (const el of md) {
        for (const type of ['mouseover', 'mouseenter', 'focus', 'click'])
          if (!(el instanceof HTMLAnchorElement && el.href.startsWith('http')))
            el.dispatchEvent(new Event(type))
      }
    })
    const report = await page.evaluate(() => {
      const root = document.querySelector('volcano-chat')!.shadowRoot!
      const all = [...root.querySelectorAll('*')]
      return {
        xss: (window as unknown as { __xss?: unknown }).__xss,
        handlers: all.filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).length,
        dangerous: root.querySelectorAll('script, iframe, object, embed, svg:not([aria-hidden]), math')
          .length,
        badUrls: all.filter((el) =>
          /^(javascript|data):/i.test(el.getAttribute('href') ?? el.getAttribute('src') ?? ''),
        ).length,
        link: (() => {
          const a = root.querySelector<HTMLAnchorElement>('.vc-md a[href^="https://example.com"]')
          return a && { target: a.target, rel: a.rel }
        })(),
      }
    })
    expect(report).toEqual({
      xss: undefined,
      handlers: 0,
      dangerous: 0,
      badUrls: 0,
      link: { target: '_blank', rel: 'noopener noreferrer' },
    })
    expect(dialogs).toEqual([])
    expect(errors).toEqual([])
    await page.close()
  })

  it('should look the same under hostile host CSS', async () => {
    const probe = async (query: string) => {
      const { page } = await openPage(query)
      await page.locator('volcano-chat .vc-launcher').click()
      await page.locator('volcano-chat .vc-empty').waitFor()
      const styles = await page.evaluate(
        ([selectors, props]) => {
          const root = document.querySelector('volcano-chat')!.shadowRoot!
          const out: Record<string, Record<string, string>> = {}
          for (const sel of selectors) {
            const el = root.querySelector(sel)!
            const cs = getComputedStyle(el)
            const r = el.getBoundingClientRect()
            out[sel] = Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]))
            out[sel].box = [r.x, r.y, r.width, r.height].join(' ')
          }
          return out
        },
        [PROBE_SELECTORS, PROBE_PROPS] as const,
      )
      const hostileApplied = await page.evaluate(() => getComputedStyle(document.querySelector('h1')!).color)
      await page.close()
      return { styles, hostileApplied }
    }
    const plain = await probe('')
    const hostile = await probe('?hostile')
    expect(hostile.hostileApplied).toBe('rgb(255, 0, 0)') // the attack did reach the page itself
    expect(plain.styles['.vc-panel']!.position).toBe('fixed') // styles (with the nonce) were applied
    expect(hostile.styles).toEqual(plain.styles)
  })
})
