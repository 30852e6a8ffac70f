// In the DOM (jsdom): what waits while asking would only be refused (this tab's own new topic, a 429's
// countdown: Send, Retry, Regenerate), what a 409 says (naming no answer, naming one that is over), and a
// dropped answer picked up again when the tab is back.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { $, frames, mountElement, sse, unmountAll } from './element.fixtures'
import { controlledStream } from './state/actions.fixtures'

const ANSWER = sse('m1', [
  ['meta', { messageId: 'm1', conversationId: 'c1' }],
  ['delta', { text: '第一个回答' }],
  ['done', { status: 'completed' }],
])
const refusal = (status: number, code: string, headers: Record<string, string> = {}) =>
  Response.json({ error: { code, message: code, requestId: 'r' } }, { status, headers })

type Route = (u: URL, init: RequestInit) => Response | Promise<Response>

/** The fixture's element, with the service's calls past the first ones kept by path. */
async function mount(route: Route, locale = 'zh-CN') {
  const calls: { path: string; init: RequestInit }[] = []
  const m = await mountElement(
    (url, init = {}) => {
      const u = new URL(url)
      calls.push({ path: u.pathname, init })
      return route(u, init)
    },
    { locale },
  )
  const problem = () => $(m.el, '.vc-msg:last-of-type .vc-problem')?.firstChild?.textContent?.trim()
  const disabled = (sel: string) => ($(m.el, sel) as HTMLButtonElement).disabled
  return { ...m, calls, problem, disabled }
}

afterEach(unmountAll)

describe('a new topic under way', () => {
  it('should hold Send while its own clear is at the service', async () => {
    let cleared!: () => void
    const { el, ask, type, disabled, calls } = await mount((u) =>
      u.pathname.endsWith('/clear')
        ? new Promise((r) => (cleared = () => r(Response.json({ conversationId: 'c1' }))))
        : ANSWER.clone(),
    )
    ask('第一个问题')
    await vi.waitFor(() => expect($(el, '.vc-answer .vc-md')?.textContent).toContain('第一个回答'))
    $(el, '.vc-more-btn')!.click()
    await nextTick()
    $(el, '.vc-menu-item')!.click()
    await vi.waitFor(() => expect(calls.some((c) => c.path.endsWith('/clear'))).toBe(true))
    type('第二个问题')
    await nextTick()
    expect(disabled('.vc-send')).toBe(true)
    $(el, 'textarea')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await nextTick()
    expect(calls.filter((c) => c.path.endsWith('/send'))).toHaveLength(1) // no race with the clear
    cleared()
    await vi.waitFor(() => expect(disabled('.vc-send')).toBe(false))
    expect($(el, '.vc-messages > .vc-topic')?.textContent).toBe('新话题')
  })

  it.each([
    ['zh-CN', '对话正在更新，请稍后再试。'],
    ['en', 'The conversation is being updated. Try again in a moment.'],
  ])(
    'should say in %s that the conversation is being updated on a 409 naming no answer',
    async (locale, text) => {
      let sends = 0
      const { el, ask, problem } = await mount((u) => {
        if (u.pathname.endsWith('/history')) return Response.json({ items: [] })
        return ++sends === 1 ? ANSWER.clone() : refusal(409, 'CONVERSATION_BUSY')
      }, locale)
      const errors: { code: string }[] = []
      el.addEventListener('vc-error', (e) => errors.push((e as CustomEvent).detail[0]))
      ask('第一个问题')
      await vi.waitFor(() => expect($(el, '.vc-answer .vc-md')).not.toBeNull())
      ask('第二个问题')
      await vi.waitFor(() => expect(problem()).toBe(text))
      expect(errors.map((e) => e.code)).toEqual(['CONVERSATION_BUSY'])
      expect($(el, '.vc-notice')!.textContent).toBe('')
    },
  )
})

it("should hold the answer's Retry during a 429 countdown, like Send", async () => {
  const { el, ask, problem, disabled, calls } = await mount(() =>
    refusal(429, 'RATE_LIMITED', { 'Retry-After': '2' }),
  )
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  ask('q')
  await vi.waitFor(() => expect(problem()).toBe('未发送。'))
  await nextTick()
  expect(disabled('.vc-retry')).toBe(true)
  $(el, '.vc-retry')!.click()
  await nextTick()
  expect(calls.filter((c) => c.path.endsWith('/send'))).toHaveLength(1)
  await vi.advanceTimersByTimeAsync(2_000)
  await nextTick()
  expect(disabled('.vc-retry')).toBe(false)
  $(el, '.vc-retry')!.click()
  await vi.waitFor(() => expect(calls.filter((c) => c.path.endsWith('/send'))).toHaveLength(2))
})

describe('Regenerate held like Send and Retry', () => {
  /** One answer on screen; the service refuses 👍 with a 429 and holds the clear until `cleared()`. */
  async function answered() {
    let cleared!: () => void
    const t = await mount((u) => {
      if (u.pathname.endsWith('/feedback')) return refusal(429, 'RATE_LIMITED', { 'Retry-After': '2' })
      if (u.pathname.endsWith('/clear'))
        return new Promise((r) => (cleared = () => r(Response.json({ conversationId: 'c1' }))))
      return ANSWER.clone()
    })
    t.ask('第一个问题')
    await vi.waitFor(() => expect($(t.el, '.vc-act-regenerate')).not.toBeNull())
    const sends = () => t.calls.filter((c) => c.path.endsWith('/send')).length
    return { ...t, sends, cleared: () => cleared() }
  }

  it("should hold Regenerate during a 429's countdown", async () => {
    const { el, disabled, sends } = await answered()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    $(el, '.vc-act-like')!.click()
    await vi.waitFor(() => expect(disabled('.vc-act-regenerate')).toBe(true))
    expect(disabled('.vc-send')).toBe(true)
    $(el, '.vc-act-regenerate')!.click()
    await nextTick()
    expect(sends()).toBe(1)
    await vi.advanceTimersByTimeAsync(2_000)
    await nextTick()
    expect(disabled('.vc-act-regenerate')).toBe(false)
    $(el, '.vc-act-regenerate')!.click()
    await vi.waitFor(() => expect(sends()).toBe(2))
  })

  it('should hold Regenerate while its own clear is at the service', async () => {
    const { el, disabled, sends, calls, cleared } = await answered()
    $(el, '.vc-more-btn')!.click()
    await nextTick()
    $(el, '.vc-menu-item')!.click()
    await vi.waitFor(() => expect(calls.some((c) => c.path.endsWith('/clear'))).toBe(true))
    await nextTick()
    expect(disabled('.vc-act-regenerate')).toBe(true)
    $(el, '.vc-act-regenerate')!.click()
    await nextTick()
    expect(sends()).toBe(1)
    cleared()
    await vi.waitFor(() => expect(disabled('.vc-act-regenerate')).toBe(false))
    $(el, '.vc-act-regenerate')!.click()
    await vi.waitFor(() => expect(sends()).toBe(2))
  })
})

describe('a 409 naming an answer that is over', () => {
  const busy = () =>
    Response.json(
      { error: { code: 'CONVERSATION_BUSY', message: 'busy', requestId: 'r', messageId: 'm9' } },
      { status: 409 },
    )
  const m9 = { messageId: 'm9', conversationId: 'c1', question: '另一个标签页的问题', answer: '' }

  it.each([
    ['zh-CN', 'ended at once', '上一个回答已结束，请重新发送。'],
    ['en', 'ended at once', 'The previous answer has finished. Send your question again.'],
    ['zh-CN', 'gone', '上一个回答已结束，请重新发送。'],
  ])(
    'should say in %s that the previous answer is over (%s) and send it again',
    async (locale, how, text) => {
      let sends = 0
      const { el, ask, problem, disabled, calls } = await mount((u) => {
        if (u.pathname.endsWith('/history'))
          return Response.json({ items: [{ ...m9, status: 'in_progress' }] })
        if (u.pathname.endsWith('/stream/m9'))
          return how === 'gone'
            ? refusal(404, 'MESSAGE_NOT_FOUND')
            : sse('m9', [
                ['meta', { messageId: 'm9', conversationId: 'c1' }],
                ['done', { status: 'completed' }],
              ])
        return ++sends === 2 ? busy() : ANSWER.clone()
      }, locale)
      ask('第一个问题')
      await vi.waitFor(() => expect($(el, '.vc-answer .vc-md')).not.toBeNull())
      ask('第二个问题')
      await vi.waitFor(() => expect(problem()).toBe(text))
      expect(disabled('.vc-msg:last-of-type .vc-retry')).toBe(false)
      $(el, '.vc-msg:last-of-type .vc-retry')!.click()
      await vi.waitFor(() => expect(problem()).toBeUndefined())
      expect(calls.filter((c) => c.path.endsWith('/send'))).toHaveLength(3)
    },
  )
})

describe('an answer dropped while offline', () => {
  it.each([
    ['online', () => window.dispatchEvent(new Event('online'))],
    ['visible', () => document.dispatchEvent(new Event('visibilitychange'))],
  ])('should resume it once when the tab is back (%s) and show it whole, once', async (_, back) => {
    let offline = true
    let drop!: () => void
    const lastIds: string[] = []
    const { el, ask, problem, calls } = await mount((u, init) => {
      if (u.pathname.endsWith('/send')) {
        const first = controlledStream()
        first.write(
          frames('m1', [
            ['meta', { messageId: 'm1', conversationId: 'c1' }],
            ['delta', { text: '你好' }],
          ]),
        )
        drop = first.fail
        return first.response()
      }
      if (offline) return Promise.reject(new TypeError('Failed to fetch'))
      lastIds.push((init.headers as Record<string, string>)['Last-Event-ID']!)
      return sse(
        'm1',
        [
          ['delta', { text: '你好' }], // replayed: dropped by its seq
          ['delta', { text: '，世界' }],
          ['done', { status: 'completed' }],
        ],
        1,
      )
    })
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    ask('q')
    await vi.waitFor(() => expect($(el, '.vc-answer .vc-md')?.textContent).toContain('你好'))
    drop()
    await vi.advanceTimersByTimeAsync(20_000) // the backoff: 0.5 + 1 + 2 + 4 + 8 s, all offline
    await vi.waitFor(() => expect(problem()).toBe('连接中断，未能恢复。'))
    expect($(el, '.vc-notice')!.textContent).toBe('')
    vi.useRealTimers()

    offline = false
    back()
    await vi.waitFor(() => expect($(el, '.vc-answer .vc-md')?.textContent?.trim()).toBe('你好，世界'))
    expect(problem()).toBeUndefined()
    expect(lastIds).toEqual(['m1:1'])
    back()
    await nextTick()
    expect(lastIds).toHaveLength(1)
    expect(calls.filter((c) => c.path.endsWith('/send'))).toHaveLength(1)
  })
})
