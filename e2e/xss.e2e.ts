/**
 * Issue 4, "Must show" 2: the sim's `[[sim:xss]]` answer (`<img onerror>`, `<script>`, `javascript:`
 * links, raw HTML blocks, an iframe, SVG, a crafted code-fence info string, hostile follow-up
 * suggestions) comes through the real service into the widget and stays inert: shown as text,
 * never run, whatever a person clicks or hovers.
 */
import { describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import {
  answerText,
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

const QUESTION = '请做一次安全测试 [[sim:xss]]'

describe.skipIf(!hasChromium)(suiteTitle('hostile answers on demo website A'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  it('should render an answer full of XSS payloads, and a hostile suggestion sent back, inert', async () => {
    const { page, dialogs, pageErrors } = await login(browser, demo)
    await openWidget(page)
    await ask(page, QUESTION)
    const expected = demo.stack.sim.answerFor(QUESTION)
    expect(expected.text).toContain('<script>window.__xss=1</script>') // the sim did script an attack
    const first = await waitForAnswer(page, 1)
    expect(first).toMatchObject({ status: 'completed', answer: expected.text })

    // The hostile HTML is visible as text (markdown-it `html:false`), not dropped and not parsed.
    expect(await answerText(page, 0)).toContain('<script>window.__xss=1</script>')
    expect(await answerText(page, 0)).toContain('<img src=x onerror="window.__xss=1">')

    // A follow-up chip carrying `<img src=x onerror=…>` is sent back as a question and echoed.
    const chip = page.locator('volcano-chat .vc-chip', { hasText: 'onerror' })
    await expect.poll(() => chip.count(), WAIT).toBe(1)
    await chip.click()
    const second = await waitForAnswer(page, 2)
    expect(second).toMatchObject({ status: 'completed', question: expected.followUps[0] })
    await expect
      .poll(() => page.locator('volcano-chat .vc-q').last().innerText(), WAIT)
      .toContain('<img src=x onerror="window.__xss=1">')

    // Poke every rendered element as a user (or an attacker's CSS) could, then look for anything that ran
    // or could run: script-capable elements, event-handler attributes, dangerous URL schemes.
    await page.evaluate(inPage.pokeConversation)
    const report = await page.evaluate(inPage.xssReport)
    expect(report.flag).toBeUndefined()
    expect(report.scriptCapable).toEqual([])
    expect(report.handlers).toEqual([])
    expect(report.badUrls).toEqual([])
    expect(report.styled).toBe(0)
    // The crafted info string (`js" onmouseover=…`) never reaches the class attribute.
    for (const cls of report.codeClasses) expect(cls).toMatch(/^hljs( language-[a-z]+)?$/)
    expect(report.codeClasses.length).toBeGreaterThan(0)
    // Serialised, the shadow DOM holds the payloads only as escaped text (`&lt;script&gt;`), never in a tag.
    expect(report.markup).toContain('&lt;script&gt;window.__xss=1&lt;/script&gt;')
    expect(report.markup).not.toMatch(/<(script|iframe|object|embed)\b/i)
    expect(report.markup).not.toMatch(/<[a-z][^>]*\s(on[a-z]+=|(href|src)="\s*javascript:)/i)

    expect(dialogs).toEqual([])
    expect(pageErrors).toEqual([])
    expect((await page.evaluate(inPage.xssReport)).flag).toBeUndefined() // still, after all of the above

    // The archive keeps the answer verbatim: sanitising is the renderer's job, not the store's.
    const user = await demo.stack.services.sessions.resolve(
      (await page.locator('volcano-chat').getAttribute('token')) ?? '',
    )
    const row = await demo.stack.store.getMessage(user!.userId, first.messageId!)
    expect(row).toMatchObject({ status: 'completed', answer: expected.text })
    await page.context().close()
  })
})
