// Issue 21 in the DOM (jsdom): the welcome (the bot's, or the host's attributes), a preset question
// that sends, the conversation list, a confirmation before a new conversation, "new topic".
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { $, createElement, sse, unmountAll } from './element.fixtures'

const $$ = (el: Element, sel: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(sel)]
const text = (el: Element, sel: string) => $$(el, sel).map((e) => e.textContent!.trim())
const answer = (id: string, conversationId: string) =>
  sse(id, [
    ['meta', { messageId: id, conversationId }],
    ['delta', { text: `答案 ${id}` }],
    ['done', { status: 'completed' }],
  ])
const WELCOME = { prologue: '你好，**欢迎**！', questions: ['你能做什么？', '怎么退货？'] }
const LIST = {
  items: [
    { conversationId: 'c1', title: '旧的问题', updatedAt: '2026-12-01T08:00:00Z' },
    { conversationId: 'c2', title: '新的问题', updatedAt: '2026-12-02T08:00:00Z' },
  ],
}
const history = (c: string) => ({
  items: [
    {
      messageId: `h-${c}`,
      conversationId: c,
      question: `${c} 的问题`,
      answer: `${c} 的答案`,
      status: 'completed',
      askedAt: '2026-12-02T08:00:00Z',
    },
  ],
})

async function mount(attrs: Record<string, string> = {}, list = { items: [] as unknown[] }) {
  const sends: unknown[] = []
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const u = new URL(url)
    if (u.pathname.endsWith('/welcome')) return Response.json(WELCOME)
    if (u.pathname.endsWith('/conversations')) return Response.json(list)
    if (u.pathname.endsWith('/history')) return Response.json(history(u.searchParams.get('conversationId')!))
    if (u.pathname.endsWith('/clear')) return Response.json({ conversationId: 'c9', sectionId: 's1' })
    sends.push(JSON.parse(String(init?.body)))
    return answer(`m${sends.length}`, 'c9')
  })
  vi.stubGlobal('fetch', fetch)
  const el = createElement(attrs)
  document.body.append(el)
  await nextTick()
  return { el, fetch, sends }
}

afterEach(unmountAll)

describe('welcome', () => {
  it("should show the bot's prologue as Markdown and send a preset question on click", async () => {
    const { el, sends } = await mount()
    await vi.waitFor(() => expect($(el, '.vc-welcome .vc-md strong')?.textContent).toBe('欢迎'))
    expect(text(el, '.vc-preset')).toEqual(WELCOME.questions)
    $$(el, '.vc-preset')[1]!.click()
    await vi.waitFor(() => expect(text(el, '.vc-md')).toEqual(['答案 m1']))
    expect(sends).toEqual([expect.objectContaining({ message: '怎么退货？' })])
    expect($(el, '.vc-welcome')).toBeNull()
    expect($(el, '.vc-time')?.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it("should take the host's welcome-text and welcome-questions instead", async () => {
    const { el } = await mount({ 'welcome-text': '欢迎来到 *A 公司*', 'welcome-questions': '["查订单"]' })
    await vi.waitFor(() => expect($(el, '.vc-welcome .vc-md em')?.textContent).toBe('A 公司'))
    await vi.waitFor(() => expect(text(el, '.vc-preset')).toEqual(['查订单']))
  })
})

describe('conversations', () => {
  it('should list them, newest first, and show the one chosen', async () => {
    const { el } = await mount({}, LIST)
    await vi.waitFor(() => expect(text(el, '.vc-q')).toEqual(['你: c2 的问题']))
    $(el, '.vc-list-btn')!.click()
    await vi.waitFor(() => expect(text(el, '.vc-conv-title')).toEqual(['新的问题', '旧的问题']))
    expect($(el, '.vc-conv[aria-current="true"]')?.textContent).toContain('新的问题')
    $$(el, '.vc-conv')[1]!.click()
    await vi.waitFor(() => expect(text(el, '.vc-q')).toEqual(['你: c1 的问题']))
    expect($(el, '.vc-convs')).toBeNull()
  })

  it('should ask before leaving a conversation with messages for a new one', async () => {
    const { el } = await mount({}, LIST)
    await vi.waitFor(() => expect(text(el, '.vc-q')).toHaveLength(1))
    $(el, '.vc-new-btn')!.click()
    await nextTick()
    expect(text(el, '.vc-q')).toHaveLength(1) // nothing happened yet
    $(el, '.vc-confirm-no')!.click()
    await nextTick()
    expect($(el, '.vc-confirm')).toBeNull()
    $(el, '.vc-new-btn')!.click()
    await nextTick()
    $(el, '.vc-confirm-yes')!.click()
    await vi.waitFor(() => expect($(el, '.vc-welcome')).not.toBeNull())
    expect(text(el, '.vc-q')).toEqual([])
  })

  it('should start a new topic from the header menu', async () => {
    const { el, fetch } = await mount({}, LIST)
    await vi.waitFor(() => expect(text(el, '.vc-q')).toHaveLength(1))
    $(el, '.vc-more-btn')!.click()
    await nextTick()
    $(el, '.vc-menu-item')!.click()
    await vi.waitFor(() => expect($(el, '.vc-messages > .vc-topic')?.textContent).toBe('新话题'))
    const clear = fetch.mock.calls.find(([url]) => String(url).endsWith('/clear'))!
    expect(JSON.parse(String(clear[1]!.body))).toEqual({ conversationId: 'c2' })
  })
})
