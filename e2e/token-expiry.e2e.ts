/**
 * Issue 4, "Must show" 4: the user's chat token dies while the page is open (website A's backend
 * revokes it server-side). The next question gets `401 TOKEN_INVALID`; the widget asks the host page
 * for a fresh token (website A's `/api/chat-token`, cookie-authenticated), sends the same question once
 * more, and the question reaches Coze exactly once and the archive exactly once.
 */
import { describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import {
  ask,
  hasChromium,
  login,
  openWidget,
  suiteTitle,
  waitForAnswer,
  WAIT,
  useDemo,
} from './support/browser'
import { rowsAsking, type Demo } from './support/demo'

const QUESTION = '令牌过期后这条消息还能发出去吗？'

describe.skipIf(!hasChromium)(suiteTitle('token expiry on demo website A'), () => {
  let demo: Demo
  let browser: Browser

  useDemo({}, (d, b) => {
    demo = d
    browser = b
  })

  it('should refresh the token through the host page and send the typed question exactly once', async () => {
    const { page, requests, pageErrors } = await login(browser, demo)
    const { stack } = demo
    const token = (await page.locator('volcano-chat').getAttribute('token'))!
    const user = (await stack.services.sessions.resolve(token))!
    expect(user).toBeDefined()
    await openWidget(page) // loads the (empty) history with the first token

    expect(await stack.client.revokeSession({ token })).toEqual({ revoked: 1 })
    expect(await stack.services.sessions.resolve(token)).toBeUndefined()
    const chatCallsBefore = stack.sim.stats.chatCalls
    const isSend = (r: string) => r === `POST ${stack.url}/api/chat/send`
    const sendsBefore = requests.filter(isSend).length

    const responses: number[] = []
    page.on('response', (r) => r.url().endsWith('/api/chat/send') && responses.push(r.status()))
    await ask(page, QUESTION)
    const message = await waitForAnswer(page, 1)
    expect(message).toMatchObject({ status: 'completed', question: QUESTION })

    // The browser's side: one 401, one refresh from website A, one successful send.
    // (Polled: Playwright reports network events asynchronously.)
    await expect.poll(() => responses, WAIT).toEqual([401, 200])
    await expect
      .poll(() => requests.filter((r) => r === `POST ${demo.site.url}/api/chat-token`).length, WAIT)
      .toBe(1)
    expect(requests.filter(isSend).length - sendsBefore).toBe(2)

    // Coze was asked once, and the archive holds the question once, answered, under the same user.
    expect(stack.sim.stats.chatCalls - chatCallsBefore).toBe(1)
    const rows = await rowsAsking(demo, user.userId, QUESTION)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ id: message.messageId, status: 'completed' })
    // ...through a new session of the same user, not the revoked one.
    expect(rows[0]!.sessionId).not.toBe(user.sessionId)

    // What the person typed is on screen as their question, answered, with no error left behind.
    await expect
      .poll(() => page.locator('volcano-chat .vc-q').allInnerTexts(), WAIT)
      .toEqual([expect.stringContaining(QUESTION)])
    expect(await page.locator('volcano-chat .vc-problem').count()).toBe(0)
    expect(await page.locator('volcano-chat .vc-notice').innerText()).toBe('')
    expect(pageErrors).toEqual([])
    await page.context().close()
  })
})
