// In the DOM (jsdom): what waits while asking would only be refused (this tab's own new topic, a 429's
// countdown), what a 409 naming no answer says, and a dropped answer picked up again when the tab is back.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { register } from './element'

let n = 0
const $ = (el: Element, sel: string) => el.shadowRoot!.querySelector(sel) as HTMLElement | null
const frames = (id: string, events: [number, string, object][]) =>
  events.map(([seq, event, data]) => `id: ${id}:${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
const sse = (body: string | ReadableStream<Uint8Array>) =>
  new Response(body, { headers: { 'Content-Type': 'text/event-stream' } })
const ANSWER = sse(
  frames('m1', [
    [0, 'meta', { messageId: 'm1', conversationId: 'c1' }],
    [1, 'delta', { text: '第一个回答' }],
    [2, 'done', { status: 'completed' }],
  ]).join(''),
)
const refusal = (status: number, code: string, headers: Record<string, string> = {}) =>
  Response.json({ error: { code, message: code, requestId: 'r' } }, { status, headers })

type Route = (u: URL, init: RequestInit) => Response | Promise<Response>

async function mount(route: Route, locale = 'zh-CN') {
  const calls: { path: string; init: RequestInit }[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const u = new URL(url)
      calls.push({ path: u.pathname, init })
      if (u.pathname.endsWith('/conversations')) return Response.json({ items: [] })
      if (u.pathname.endsWith('/welcome')) return Response.json({ prologue: '', questions: [] })
      return route(u, init)
    }),
  )
  const tag = `vc-recovery-${++n}`
  register(tag)
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries({ open: '', token: 't', locale, 'api-base': 'https://chat.example' }))
    el.setAttribute(k, v)
  document.body.append(el)
  await nextTick()
  await vi.waitFor(() => expect($(el, '.vc-empty')).not.toBeNull())
  const type = (text: string) => {
    const input = $(el, 'textarea') as HTMLTextAreaElement
    input.value = text
    input.dispatchEvent(new Event('input'))
  }
  const ask = (text: string) => {
    type(text)
    $(el, 'textarea')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
  }
  const problem = () => $(el, '.vc-msg:last-of-type .vc-problem')?.firstChild?.textContent?.trim()
  const disabled = (sel: string) => ($(el, sel) as HTMLButtonElement).disabled
  return { el, calls, ask, type, problem, disabled }
}

afterEach(() => {
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

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

describe('an answer dropped while offline', () => {
  it.each([
    ['online', () => window.dispatchEvent(new Event('online'))],
    ['visible', () => document.dispatchEvent(new Event('visibilitychange'))],
  ])('should resume it once when the tab is back (%s) and show it whole, once', async (_, back) => {
    let offline = true
    let drop!: () => void
    const lastIds: string[] = []
    const enc = new TextEncoder()
    const { el, ask, problem, calls } = await mount((u, init) => {
      if (u.pathname.endsWith('/send'))
        return sse(
          new ReadableStream({
            start(c) {
              const [meta, delta] = frames('m1', [
                [0, 'meta', { messageId: 'm1', conversationId: 'c1' }],
                [1, 'delta', { text: '你好' }],
              ])
              c.enqueue(enc.encode(meta! + delta!))
              drop = () => c.error(new TypeError('network reset'))
            },
          }),
        )
      if (offline) return Promise.reject(new TypeError('Failed to fetch'))
      lastIds.push((init.headers as Record<string, string>)['Last-Event-ID']!)
      return sse(
        frames('m1', [
          [1, 'delta', { text: '你好' }], // replayed: dropped by its seq
          [2, 'delta', { text: '，世界' }],
          [3, 'done', { status: 'completed' }],
        ]).join(''),
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
