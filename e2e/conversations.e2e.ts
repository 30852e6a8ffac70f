/**
 * Issue 21, "Must show" 5 (welcome part) and 7 in Chromium on the real stack: the bot's prologue and
 * suggested questions from Coze's bot info, a preset question that sends on click; three conversations,
 * switched between through the conversation list (screenshot `screenshots/conversations.png`), each
 * with its own history; "new topic" after CONTEXT_TOO_LONG clears Coze's context.
 */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  answerText,
  ask,
  hasChromium,
  login,
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

/** The bot's welcome as configured in Coze (the sim serves it from `/v1/bots/:id`), Markdown included. */
const BOT = {
  prologue: '你好！我是**火山小助手**，可以帮你：\n\n- 查询产品信息\n- 跟踪订单',
  suggestedQuestions: ['你能做什么？', '帮我查一下我的订单', '怎么申请退货？'],
}

const SCREENSHOTS = fileURLToPath(new URL('screenshots/', import.meta.url))
const widget = (page: Page, css: string) => page.locator(`volcano-chat ${css}`)
const questions = (page: Page) =>
  widget(page, '.vc-q').evaluateAll((els) => els.map((e) => e.textContent!.replace(/^[^:]*:\s*/, '').trim()))

describe.skipIf(!hasChromium)(suiteTitle('welcome and conversations'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({ sim: { bot: BOT } }, (d, b) => {
    demo = d
    browser = b
  })

  it("should greet with the bot's prologue and send a preset question on click", async () => {
    const { page, pageErrors } = await login(browser, demo)
    await openWidget(page)
    const prologue = widget(page, '.vc-welcome .vc-md')
    await prologue.waitFor()
    expect(await prologue.locator('strong').innerText()).toBe('火山小助手')
    expect(squash(await prologue.innerText())).toBe(await renderedText(page, BOT.prologue))
    const presets = widget(page, '.vc-welcome .vc-preset')
    await expect.poll(() => presets.allInnerTexts(), WAIT).toEqual(BOT.suggestedQuestions)

    await presets.first().click()
    const question = BOT.suggestedQuestions[0]!
    const message = await waitForAnswer(page, 1)
    expect(message).toMatchObject({
      question,
      status: 'completed',
      answer: demo.stack.sim.answerFor(question).text,
    })
    expect(squash(await answerText(page))).toBe(
      await renderedText(page, demo.stack.sim.answerFor(question).text),
    )
    expect(await widget(page, '.vc-welcome').count()).toBe(0) // the conversation is no longer empty
    // The question carries the time it was asked, in the page's locale (zh-CN: 14:05).
    expect(await widget(page, '.vc-msg .vc-time').first().innerText()).toMatch(/^\d{1,2}:\d{2}$/)
    expect((await recorded(page)).errors).toEqual([])
    expect(pageErrors).toEqual([])
    await page.context().close()
  })

  it('should list three conversations and show the history of each one switched to', async () => {
    const { page, pageErrors } = await login(browser, demo)
    await openWidget(page)
    const conversations = [
      ['第一个对话的问题', '第一个对话的追问'],
      ['第二个对话的问题'],
      ['第三个对话的问题'],
    ]
    let answered = 0
    for (const [i, asked] of conversations.entries()) {
      if (i > 0) {
        await widget(page, '.vc-new-btn').click()
        // The current conversation has messages: a new one asks first.
        await widget(page, '.vc-confirm').waitFor()
        await widget(page, '.vc-confirm-yes').click()
        await widget(page, '.vc-welcome').waitFor()
      }
      for (const q of asked) {
        await ask(page, q)
        await waitForAnswer(page, ++answered)
      }
    }

    await widget(page, '.vc-list-btn').click()
    const titles = widget(page, '.vc-conv-title')
    await expect
      .poll(() => titles.allInnerTexts(), WAIT)
      .toEqual(['第三个对话的问题', '第二个对话的问题', '第一个对话的问题'])
    for (const time of await widget(page, '.vc-conv-time').allInnerTexts())
      expect(time).toMatch(/^\d{1,2}:\d{2}$/)
    expect(await widget(page, '.vc-conv[aria-current="true"] .vc-conv-title').innerText()).toBe(
      '第三个对话的问题',
    )
    mkdirSync(SCREENSHOTS, { recursive: true })
    await page.screenshot({ path: `${SCREENSHOTS}conversations.png` })

    for (const index of [2, 1, 0]) {
      const asked = conversations[index]!
      if (!(await widget(page, '.vc-convs').isVisible())) await widget(page, '.vc-list-btn').click()
      await widget(page, '.vc-conv').filter({ hasText: asked[0]! }).click()
      await expect.poll(() => questions(page), WAIT).toEqual(asked)
      for (const [n, q] of asked.entries())
        expect(squash(await answerText(page, n))).toBe(
          await renderedText(page, demo.stack.sim.answerFor(q).text),
        )
    }
    // Asking in a conversation switched to continues that one.
    await ask(page, '回到第一个对话')
    await waitForAnswer(page, ++answered)
    await expect.poll(() => questions(page), WAIT).toEqual([...conversations[0]!, '回到第一个对话'])
    const messages = (await recorded(page)).messages
    expect(messages.at(-1)!.conversationId).toBe(messages[0]!.conversationId)
    expect(pageErrors).toEqual([])
    await page.context().close()
  })

  it('should offer a new topic when the context is too long, and clear it at Coze', async () => {
    const { page, pageErrors } = await login(browser, demo)
    await openWidget(page)
    await ask(page, '先问一个问题')
    const first = await waitForAnswer(page, 1)
    await ask(page, '很长的对话 [[sim:code=4010]]')
    const topic = widget(page, '.vc-topic-btn')
    await topic.waitFor()
    await topic.click()
    await widget(page, '.vc-messages > .vc-topic').waitFor()
    const cleared = demo.stack.sim.requests.filter(
      (r) => r.path === `/v1/conversations/${first.conversationId}/clear`,
    )
    expect(cleared).toHaveLength(1)
    await ask(page, '新话题的问题')
    // A refusal before the stream is no `vc-message`: wait for this question's own answer.
    const answerTo = async (q: string) => (await recorded(page)).messages.find((m) => m.question === q)
    await expect.poll(() => answerTo('新话题的问题'), WAIT).toBeDefined()
    const next = (await answerTo('新话题的问题'))!
    expect(next).toMatchObject({ status: 'completed', conversationId: first.conversationId })
    expect(await widget(page, '.vc-msg .vc-topic').innerText()).toBe('新话题')
    expect(pageErrors).toEqual([])
    await page.context().close()
  })
})
