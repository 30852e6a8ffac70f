/**
 * Issue 21, "Must show" 4 in Chromium on the real stack: the action bar under an answer. Copy puts the
 * answer's Markdown source on the clipboard (label back after ~2 s); regenerate streams a new answer to
 * the same question and keeps the old one; 👍 reaches the sim's feedback endpoint (with Coze's answer
 * message id), the archive (history after a reload shows it) and the host (`vc-feedback`).
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  ask,
  hasChromium,
  login,
  openWidget,
  recorded,
  suiteTitle,
  waitForAnswer,
  WAIT,
  useDemo,
} from './support/browser'
import type { Demo } from './support/demo'

const widget = (page: Page, css: string) => page.locator(`volcano-chat ${css}`)
// Strings, not functions: this file is type-checked without the DOM library (page-scripts.ts has it).
const READ_CLIPBOARD = 'navigator.clipboard.readText()'
const RECORD_FEEDBACK = `(() => {
  window.__vcFeedback = []
  document.querySelector('volcano-chat').addEventListener('vc-feedback', (e) => window.__vcFeedback.push(e.detail[0]))
})()`

describe.skipIf(!hasChromium)(suiteTitle('answer action bar'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  it('should copy the Markdown source, regenerate a new answer and send 👍 to Coze and the archive', async () => {
    const { page, context, pageErrors } = await login(browser, demo)
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.site.url })
    await page.evaluate(RECORD_FEEDBACK)
    await openWidget(page)
    const question = '介绍一下你们的产品'
    await ask(page, question)
    const first = await waitForAnswer(page, 1)
    expect(first).toMatchObject({ question, status: 'completed' })
    const source = demo.stack.sim.answerFor(question).text

    // Copy: the Markdown source (not the rendered text), "已复制" for about 2 s.
    const copy = widget(page, '.vc-act-copy').last()
    await copy.click()
    await expect.poll(() => copy.innerText(), WAIT).toBe('已复制')
    expect(await page.evaluate(READ_CLIPBOARD)).toBe(source)
    await expect.poll(() => copy.innerText(), WAIT).toBe('复制回答')

    // Regenerate: the same question as a new message, streamed; the first answer stays.
    const before = (await recorded(page)).answerTexts.length
    await widget(page, '.vc-act-regenerate').click()
    const second = await waitForAnswer(page, 2)
    expect(second).toMatchObject({ question, status: 'completed', answer: source })
    expect(second.messageId).not.toBe(first.messageId)
    expect((await recorded(page)).answerTexts.slice(before).some((t) => t.busy)).toBe(true)
    expect(await widget(page, '.vc-msg').count()).toBe(2)
    expect(await widget(page, '.vc-act-regenerate').count()).toBe(1) // the newest answer only

    // 👍 on the new answer: Coze's feedback API gets it for Coze's own answer message.
    await widget(page, '.vc-act-like').last().click()
    await expect
      .poll(() => widget(page, '.vc-act-like').last().getAttribute('aria-pressed'), WAIT)
      .toBe('true')
    await expect
      .poll(() => page.evaluate('window.__vcFeedback'), WAIT)
      .toEqual([{ messageId: second.messageId, rating: 'like' }])
    const rated = demo.stack.sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/feedback'))
    expect(rated).toHaveLength(1)
    const cozeMessageId = rated[0]!.path.split('/').at(-2)!
    expect(demo.stack.sim.feedback(cozeMessageId)).toMatchObject({
      conversationId: second.conversationId,
      feedbackType: 'like',
    })

    expect((await recorded(page)).errors).toEqual([])

    // The archive: after a reload, history shows the rating on that answer and none on the first.
    await page.reload()
    await widget(page, '.vc-launcher').waitFor()
    await widget(page, '.vc-launcher').click()
    await widget(page, '.vc-panel').waitFor({ state: 'visible' })
    await expect.poll(() => widget(page, '.vc-act-like').count(), WAIT).toBe(2)
    expect(await widget(page, '.vc-act-like').first().getAttribute('aria-pressed')).toBe('false')
    expect(await widget(page, '.vc-act-like').last().getAttribute('aria-pressed')).toBe('true')
    expect(pageErrors).toEqual([])
    await context.close()
  })
})
