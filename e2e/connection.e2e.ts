/**
 * Issue 21, "Must show" 8, in Chromium on the real stack: the connection comes and goes under the
 * widget. Offline → send → online: the question waits while offline and goes out by itself once the
 * network is back, sent once (one `POST /api/chat/send` reached the service, one chat reached Coze)
 * and answered. A stream cut mid-answer: "reconnecting…" is on screen while the widget resumes, then the
 * answer ends with its whole text, once. A stream cut while offline for longer than the widget's backoff:
 * the answer says it could not be resumed, and once the network is back it is resumed once and ends
 * with its whole text (the service finished it meanwhile), once.
 *
 * The cut is resume.e2e.ts's: `POST /api/chat/send` goes through a TCP hop of the test's own, reset
 * once part of the answer is on screen (`context.setOffline` only holds an open response back).
 */
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
  useDemo,
  waitForAnswer,
  WAIT,
  sendThroughHop,
} from './support/browser'
import { rowsAsking, type Demo } from './support/demo'

const OFFLINE = '网络已断开，恢复后可继续。'
const WAITING = '等待发送…'
const RECONNECTING = '连接中断，正在重新连接…'
const OFFLINE_QUESTION = '断网时问的问题'
// 15 deltas a second over 120 deltas: the answer takes seconds, far longer than the cut and the resume.
const CUT_QUESTION = '断线重连时提示吗？ [[sim:tps=15,tokens=120]]'
const DROPPED = '连接中断，未能恢复。'
// A few seconds of answer: done at the service long before the widget's backoff (15.5 s) runs out.
const OFFLINE_CUT_QUESTION = '断网很久之后还能看到完整回答吗？ [[sim:tps=15,tokens=60]]'

const lastProblem = (page: Page) => page.evaluate(inPage.lastProblem)
const shadowText = (page: Page) => page.evaluate(inPage.shadowText)
const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1

describe.skipIf(!hasChromium)(suiteTitle('connection state on demo website A'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  /** The user's rows with `question`, straight from MariaDB. */
  async function rowsFor(page: Page, question: string) {
    const token = (await page.locator('volcano-chat').getAttribute('token')) ?? ''
    const user = (await demo.stack.services.sessions.resolve(token))!
    return { user, rows: await rowsAsking(demo, user.userId, question) }
  }

  it('should keep a question asked offline waiting and send it once when the network is back', async () => {
    const { page, context, pageErrors } = await login(browser, demo)
    await openWidget(page)
    const sends: number[] = []
    page.on('response', (r) => r.url().endsWith('/api/chat/send') && sends.push(r.status()))
    const chatsBefore = demo.stack.sim.stats.chatCalls

    await context.setOffline(true)
    await expect.poll(() => noticeText(page), WAIT).toBe(OFFLINE)
    await ask(page, OFFLINE_QUESTION)
    // The question is on screen, waiting; the notice says why, once.
    await expect.poll(() => lastProblem(page), WAIT).toBe(WAITING)
    const last = page.locator('volcano-chat .vc-msg').last()
    expect(await last.locator('.vc-q').innerText()).toContain(OFFLINE_QUESTION)
    expect(await noticeText(page)).toBe(OFFLINE)
    expect(occurrences(await shadowText(page), OFFLINE)).toBe(1)
    expect(sends).toEqual([])
    expect(demo.stack.sim.stats.chatCalls).toBe(chatsBefore)

    // Back online: it goes out by itself, once, and is answered.
    await context.setOffline(false)
    const message = await waitForAnswer(page, 1)
    const expected = demo.stack.sim.answerFor(OFFLINE_QUESTION)
    expect(message).toMatchObject({ status: 'completed', question: OFFLINE_QUESTION, answer: expected.text })
    expect(squash(await answerText(page))).toBe(await renderedText(page, expected.text))
    expect(sends).toEqual([200])
    expect(demo.stack.sim.stats.chatCalls - chatsBefore).toBe(1)
    const { rows } = await rowsFor(page, OFFLINE_QUESTION)
    expect(rows.map((r) => r.status)).toEqual(['completed'])
    expect(await page.locator('volcano-chat .vc-msg').count()).toBe(1)
    expect(await page.locator('volcano-chat .vc-problem').count()).toBe(0)
    expect(await noticeText(page)).toBe('')
    expect(pageErrors).toEqual([])
    await context.close()
  })

  it('should show "reconnecting…" while a cut answer resumes, then the whole answer once', async () => {
    const { page, context, pageErrors } = await login(browser, demo)
    const { stack } = demo
    await openWidget(page)
    const hop = await sendThroughHop(page, stack.url)
    const resumes: string[] = []
    page.on('request', (r) => r.url().startsWith(`${stack.url}/api/chat/stream/`) && resumes.push(r.url()))

    try {
      await ask(page, CUT_QUESTION)
      await expect.poll(async () => squash(await answerText(page)).length, WAIT).toBeGreaterThan(0)
      expect((await recorded(page)).messages, 'the answer has not ended yet').toEqual([])
      expect((await rowsFor(page, CUT_QUESTION)).rows.map((r) => r.status)).toEqual(['in_progress'])

      hop.reset()
      // On screen while the widget resumes (the recorder sees every render, however slow the test).
      await expect.poll(async () => (await recorded(page)).notices, WAIT).toContain(RECONNECTING)

      const message = await waitForAnswer(page, 1)
      const expected = stack.sim.answerFor(CUT_QUESTION)
      const { rows } = await rowsFor(page, CUT_QUESTION)
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ status: 'completed', answer: expected.text })
      expect(message).toMatchObject({ messageId: rows[0]!.id, status: 'completed', answer: expected.text })
      // The whole text, once: nothing repeated at the seam, one answer on screen.
      expect(squash(await answerText(page))).toBe(await renderedText(page, expected.text))
      expect(await page.locator('volcano-chat .vc-answer').count()).toBe(1)
      expect(resumes).toHaveLength(1)
      // The notice went once the answer flowed again.
      await expect.poll(() => noticeText(page), WAIT).toBe('')
      const notices = (await recorded(page)).notices
      console.info(`[connection] notices shown: ${JSON.stringify(notices)}`)
      expect(notices.at(-1)).toBe('')
      expect((await recorded(page)).errors).toEqual([])
      expect(await page.locator('volcano-chat .vc-problem').count()).toBe(0)
      expect(pageErrors).toEqual([])
    } finally {
      await context.close()
      await hop.close()
    }
  })

  it('should resume an answer given up on while offline once the network is back, whole and once', async () => {
    const { page, context, pageErrors } = await login(browser, demo)
    const { stack } = demo
    await openWidget(page)
    const hop = await sendThroughHop(page, stack.url)
    const resumed: number[] = []
    page.on(
      'response',
      (r) => r.url().startsWith(`${stack.url}/api/chat/stream/`) && resumed.push(r.status()),
    )

    try {
      await ask(page, OFFLINE_CUT_QUESTION)
      await expect.poll(async () => squash(await answerText(page)).length, WAIT).toBeGreaterThan(0)
      await context.setOffline(true)
      hop.reset()
      // Every reconnect fails offline; after the backoff the answer keeps its text and says so.
      await expect.poll(() => lastProblem(page), WAIT).toBe(DROPPED)
      expect(await noticeText(page)).toBe(OFFLINE)
      expect(resumed).toEqual([])
      // The service went on without the widget (SPEC §2.2) and finished the answer.
      await expect
        .poll(async () => (await rowsFor(page, OFFLINE_CUT_QUESTION)).rows.map((r) => r.status), WAIT)
        .toEqual(['completed'])

      await context.setOffline(false)
      const message = await waitForAnswer(page, 1)
      const expected = stack.sim.answerFor(OFFLINE_CUT_QUESTION)
      expect(message).toMatchObject({ status: 'completed', answer: expected.text })
      expect(squash(await answerText(page))).toBe(await renderedText(page, expected.text))
      expect(await page.locator('volcano-chat .vc-answer').count()).toBe(1)
      expect(resumed).toEqual([200]) // one resume, not a second question
      expect((await rowsFor(page, OFFLINE_CUT_QUESTION)).rows).toHaveLength(1)
      expect(await page.locator('volcano-chat .vc-problem').count()).toBe(0)
      await expect.poll(() => noticeText(page), WAIT).toBe('')
      expect(pageErrors).toEqual([])
    } finally {
      await context.close()
      await hop.close()
    }
  })
})
