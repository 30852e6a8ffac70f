// Issue 21 in the DOM (jsdom): one message per error. A failed answer says why on the answer; the
// notice speaks only for what holds the next question back (offline, a wait it counts down).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { $, mountElement, type Route, sse, unmountAll } from './element.fixtures'

const COZE = 'Coze code 4011: The balance is insufficient. logid: 20261206153012ABCDEF'
const refusal = (status: number, code: string, headers: Record<string, string> = {}) =>
  Response.json({ error: { code, message: COZE, requestId: 'r' } }, { status, headers })

/** What a person can read in the panel: text nodes outside the widget's style sheets. */
function shadowText(el: Element): string {
  const walker = document.createTreeWalker(el.shadowRoot!, NodeFilter.SHOW_TEXT)
  let text = ''
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    if (!node.parentElement?.closest('style')) text += node.textContent ?? ''
  return text
}
const occurrences = (el: Element, text: string) => shadowText(el).split(text).length - 1

const mount = (route: Route, locale = 'zh-CN') => mountElement(route, { locale })

afterEach(unmountAll)

describe('one message per error', () => {
  it.each([
    ['zh-CN', 503, 'UPSTREAM_UNAVAILABLE', '服务繁忙，请稍后再试。'],
    ['zh-CN', 503, 'UPSTREAM_ACCOUNT', '助手暂时不可用，请稍后再试。'],
    [
      'en',
      503,
      'UPSTREAM_MISCONFIGURED',
      'The assistant is temporarily unavailable. Please try again later.',
    ],
    ['zh-CN', 502, 'UPSTREAM_ERROR', '出错了，请重试。'],
    ['en', 413, 'CONTEXT_TOO_LONG', 'This conversation is too long. Please start a new topic.'],
  ])('should show a %s %s refusal (%s) once, on the answer', async (locale, status, code, text) => {
    const { el, errors, ask } = await mount(() => refusal(status, code), locale)
    ask('q')
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    await vi.waitFor(() => expect($(el, '.vc-problem')?.firstChild?.textContent?.trim()).toBe(text))
    expect($(el, '.vc-notice')!.textContent).toBe('')
    expect(occurrences(el, text)).toBe(1)
    expect(shadowText(el)).not.toMatch(/Coze|logid|balance/)
  })

  it('should show an error event once, on the answer', async () => {
    const { el, ask } = await mount(() =>
      sse('m1', [
        ['meta', { messageId: 'm1', conversationId: 'c1' }],
        ['error', { code: 'UPSTREAM_ACCOUNT', message: COZE }],
      ]),
    )
    ask('q')
    const text = '助手暂时不可用，请稍后再试。'
    await vi.waitFor(() => expect(occurrences(el, text)).toBe(1))
    expect($(el, '.vc-notice')!.textContent).toBe('')
  })

  it('should count a 429 wait down in the notice, hold Send until it ends, and say "not sent" on the answer', async () => {
    const { el, ask, type } = await mount(() => refusal(429, 'RATE_LIMITED', { 'Retry-After': '2' }))
    const notice = () => $(el, '.vc-notice')!.textContent
    const sendDisabled = () => ($(el, '.vc-send') as HTMLButtonElement).disabled
    // The clock is the test's: the countdown moves when the test moves time, however slow the machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    try {
      ask('q')
      await vi.waitFor(() => expect(notice()).toBe('请求过于频繁，请 2 秒后再试。'))
      expect($(el, '.vc-problem')!.firstChild!.textContent!.trim()).toBe('未发送。')
      expect(occurrences(el, '请求过于频繁')).toBe(1)
      expect($(el, '.vc-notice')!.getAttribute('aria-live')).toBe('polite') // heard when it comes
      type('next')
      await nextTick()
      expect(sendDisabled()).toBe(true)
      await vi.advanceTimersByTimeAsync(1_000)
      await nextTick()
      expect(notice()).toBe('请求过于频繁，请 1 秒后再试。')
      expect($(el, '.vc-notice')!.getAttribute('aria-live')).toBe('off') // not every second
      expect(sendDisabled()).toBe(true)
      await vi.advanceTimersByTimeAsync(1_000)
      await nextTick()
      expect(notice()).toBe('')
      expect(sendDisabled()).toBe(false)
    } finally {
      vi.useRealTimers()
    }
  })

  it('should say offline in the notice and show the question as waiting', async () => {
    const { el, ask } = await mount(() => Promise.reject(new TypeError('Failed to fetch')), 'en')
    ask('q')
    await vi.waitFor(() =>
      expect($(el, '.vc-problem')?.firstChild?.textContent?.trim()).toBe('Waiting to send…'),
    )
    expect($(el, '.vc-notice')!.textContent).toBe(
      'You are offline. The chat continues when the connection is back.',
    )
    expect(occurrences(el, 'offline')).toBe(1)
  })
})
