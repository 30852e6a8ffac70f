/**
 * Issue 18, "Must show" 2, 3, 4 and 6 in Chromium: Coze as it really is (coze-protocol §9), seen by a
 * person on demo website A. A stream to Coze that drops while Coze finishes still ends with the whole answer. A card then two text answers render as a card and two paragraphs, never JSON
 * (screenshot `screenshots/card.png`); each SPEC §2.7 code shows its Chinese text, never Coze's English
 * or a logid (those reach only the `vc-error` detail); a chatflow question node is answered in the
 * normal input and the continuation streams, archived with `parentMessageId`.
 */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  answerText,
  ask,
  hasChromium,
  inPage,
  login,
  noticeText,
  openWidget,
  recorded,
  renderedText,
  squash,
  suiteTitle,
  waitForAnswer,
  WAIT,
  useDemo,
} from './support/browser'
import type { Demo } from './support/demo'

const SCREENSHOTS = fileURLToPath(new URL('screenshots/', import.meta.url))

const shadowText = (page: Page) => page.evaluate(inPage.shadowText)
const lastProblem = (page: Page) => page.evaluate(inPage.lastProblem)

describe.skipIf(!hasChromium)(suiteTitle('Coze as it really is, in the widget'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  it('should end with the whole answer when the connection to Coze drops while Coze finishes', async () => {
    const { page, pageErrors } = await login(browser, demo)
    await openWidget(page)
    const question = '掉线也要答完 [[sim:drop-after=5]]'
    await ask(page, question)
    const message = await waitForAnswer(page, 1)
    expect(message).toMatchObject({ status: 'completed', answer: demo.stack.sim.answerFor(question).text })
    expect(squash(await answerText(page))).toContain(
      await renderedText(page, demo.stack.sim.answerFor(question).text),
    )
    expect((await recorded(page)).errors).toEqual([])
    expect(pageErrors).toEqual([])
    await page.context().close()
  })

  it('should render a card, then two text answers, without raw JSON', async () => {
    const { page, pageErrors } = await login(browser, demo)
    await openWidget(page)
    const question = '看看我的订单 [[sim:card,answers=2]]'
    await ask(page, question)
    const message = await waitForAnswer(page, 1)
    const expected = demo.stack.sim.answerFor(question)
    // The archived answer: the two texts joined by a blank line, no card JSON in it.
    expect(message).toMatchObject({ status: 'completed', answer: expected.text })
    expect(message.answer).not.toMatch(/^\s*[[{]/)

    const card = page.locator('volcano-chat .vc-answer .vc-card').first()
    await card.waitFor({ state: 'visible' })
    const md = page.locator('volcano-chat .vc-answer .vc-md').last()
    // The card comes first, then the texts as their own paragraphs.
    expect(await md.evaluate((el) => el.firstElementChild?.classList.contains('vc-card'))).toBe(true)
    expect(await md.locator(':scope > p, :scope > ul, :scope > ol').count()).toBeGreaterThanOrEqual(2)
    expect(squash(await answerText(page))).toContain(await renderedText(page, expected.text))
    const text = await shadowText(page)
    expect(text).not.toMatch(/[{}]|"\w+"\s*:/) // no JSON anywhere in the panel
    // Whatever the card links to is http(s) and opens outside.
    for (const a of await card.locator('a').all()) {
      expect(await a.getAttribute('href')).toMatch(/^https?:\/\//)
      expect(await a.getAttribute('rel')).toBe('noopener noreferrer')
    }

    mkdirSync(SCREENSHOTS, { recursive: true })
    await page.locator('volcano-chat .vc-input').blur()
    await page.screenshot({ path: `${SCREENSHOTS}card.png` })
    expect(pageErrors).toEqual([])
    await page.context().close()
  })

  // SPEC §2.7 at chat start (HTTP 200 + code from Coze): the service refuses before the stream.
  // 4008 (the bot's daily limit) comes last: its Retry-After of an hour holds Send, as it should.
  const AT_START: [marker: string, code: string, text: string | RegExp][] = [
    ['code=4010', 'CONTEXT_TOO_LONG', '对话太长了，请开始新话题。'],
    ['code=4011', 'UPSTREAM_ACCOUNT', '助手暂时不可用，请稍后再试。'],
    ['code=4015', 'UPSTREAM_MISCONFIGURED', '助手暂时不可用，请稍后再试。'],
    ['code=4101', 'UPSTREAM_FORBIDDEN', '该功能暂不可用。'],
    ['code=4000', 'UPSTREAM_ERROR', '出错了，请重试。'],
    // The same table inside the stream: Coze fails the chat half way (`conversation.chat.failed`).
    ['fail-code=4010', 'CONTEXT_TOO_LONG', '对话太长了，请开始新话题。'],
    ['fail-code=4013', 'UPSTREAM_BUSY', /^助手太忙了，请(?: \d+ 秒后|稍后)再试。$/],
    ['code=4008', 'UPSTREAM_BUSY', /^助手太忙了，请(?: \d+ 秒后|稍后)再试。$/],
  ]

  it('should show each §2.7 code in Chinese, never Coze’s text or a logid', async () => {
    const { page, pageErrors } = await login(browser, demo)
    await openWidget(page)
    for (const [i, [marker, code, text]] of AT_START.entries()) {
      await ask(page, `第 ${i + 1} 个问题 [[sim:${marker}]]`)
      await expect.poll(async () => (await recorded(page)).errors.length, WAIT).toBe(i + 1)
      const error = (await recorded(page)).errors[i]!
      expect(error.code, marker).toBe(code)
      // A wait before the stream (4008's Retry-After) is told by the notice; the answer says "未发送。".
      const where = marker === 'code=4008' ? noticeText : lastProblem
      const shownProblem = expect.poll(() => where(page), WAIT)
      await (text instanceof RegExp ? shownProblem.toMatch(text) : shownProblem.toBe(text))
      // The service's own words (Coze's English, a logid) reach the host's vc-error detail only.
      const shown = await shadowText(page)
      if (error.message) expect(shown, marker).not.toContain(error.message)
      expect(shown).not.toMatch(/logid|Coze/i)
      await expect.poll(() => page.locator('volcano-chat .vc-input').isEditable(), WAIT).toBe(true)
    }
    expect(pageErrors).toEqual([])
    await page.context().close()
  })

  it('should take the answer to a question node from the normal input and stream the continuation', async () => {
    const { page, pageErrors } = await login(browser, demo)
    const token = await page.locator('volcano-chat').getAttribute('token')
    const user = await demo.stack.services.sessions.resolve(token ?? '')
    await openWidget(page)
    const replies: string[] = []
    page.on('request', (r) => r.url().endsWith('/api/chat/reply') && replies.push(r.postData() ?? ''))

    await ask(page, '帮我查一下订单 [[sim:ask]]')
    const asked = await waitForAnswer(page, 1)
    expect(asked.status).toBe('requires_action')
    expect(asked.answer.length).toBeGreaterThan(0) // the bot's question, shown as its answer
    expect(squash(await answerText(page))).toBe(await renderedText(page, asked.answer))
    await expect.poll(() => page.locator('volcano-chat .vc-hint').innerText(), WAIT).toBe('回复助手的问题')

    // The person answers in the normal input, as with any question.
    await ask(page, '订单号 1024')
    const answered = await waitForAnswer(page, 2)
    expect(answered).toMatchObject({ status: 'completed', question: '订单号 1024' })
    expect(answered.answer.length).toBeGreaterThan(0)
    expect(answered.messageId).not.toBe(asked.messageId)
    expect(replies).toHaveLength(1)
    expect(JSON.parse(replies[0]!)).toMatchObject({ messageId: asked.messageId, text: '订单号 1024' })
    expect(squash(await answerText(page))).toBe(await renderedText(page, answered.answer))
    await expect.poll(() => page.locator('volcano-chat .vc-hint').count(), WAIT).toBe(0)
    const msgs = page.locator('volcano-chat .vc-msg')
    expect(await msgs.count()).toBe(2)
    expect(await msgs.nth(1).locator('.vc-q').innerText()).toContain('订单号 1024')

    // Archived as its own row, linked to the question it answers.
    const row = await demo.stack.store.getMessage(user!.userId, answered.messageId!)
    expect(row).toMatchObject({
      status: 'completed',
      parentMessageId: asked.messageId,
      answer: answered.answer,
    })
    expect(pageErrors).toEqual([])
    await page.context().close()
  })
})
