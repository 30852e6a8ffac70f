// Issue 21, the host API on the full element (jsdom): open(), close(), send(text), newConversation(),
// the vc-open / vc-close / vc-unread events and the launcher's unread badge.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { register, type VolcanoChatElement } from './element'
import { $, createElement, frames, unmountAll } from './element.fixtures'
import { controlledStream } from './state/actions.fixtures'

let n = 0
const $$ = (el: Element, sel: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(sel)]
const answer = (id: string) =>
  frames(id, [
    ['meta', { messageId: id, conversationId: 'c1' }],
    ['delta', { text: `答案 ${id}` }],
    ['done', { status: 'completed' }],
  ])
const HISTORY = {
  items: [
    { messageId: 'h1', conversationId: 'c1', question: '旧问题', answer: '旧答案', status: 'completed' },
  ],
}

/** The element, closed, with a scripted service: one earlier conversation; each send's stream is the test's. */
function setup() {
  const sends: { message: string }[] = []
  const streams: ReturnType<typeof controlledStream>[] = []
  const order: string[] = []
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const path = new URL(url).pathname
    order.push(path.split('/').at(-1)!)
    if (path.endsWith('/welcome')) return Response.json({ prologue: '', questions: [] })
    if (path.endsWith('/conversations'))
      return Response.json({
        items: [{ conversationId: 'c1', title: '旧问题', updatedAt: '2026-12-01T08:00:00Z' }],
      })
    if (path.endsWith('/history')) return Response.json(HISTORY)
    sends.push(JSON.parse(String(init?.body)))
    const stream = controlledStream()
    streams.push(stream)
    return stream.response()
  })
  vi.stubGlobal('fetch', fetch)
  const el = createElement({ open: null })
  const events: [string, unknown][] = []
  for (const type of ['vc-open', 'vc-close', 'vc-unread'])
    el.addEventListener(type, (e) => events.push([type, (e as CustomEvent<unknown[]>).detail[0]]))
  return { el, tag: el.localName, sends, streams, order, events }
}

const panelShown = (el: Element) => $(el, '.vc-panel')!.style.display !== 'none'
const launcher = (el: Element) => $(el, '.vc-launcher')!

afterEach(() => {
  unmountAll()
  sessionStorage.clear()
})

describe('open() and close()', () => {
  it('should open and close the panel, fire vc-open / vc-close once per change, focus only from inside', async () => {
    const { el, events } = setup()
    const own = document.createElement('button')
    document.body.append(own, el)
    await nextTick()
    el.open()
    el.open() // already open: no second event
    await nextTick()
    expect(panelShown(el)).toBe(true)
    expect(el.shadowRoot!.activeElement?.tagName).toBe('TEXTAREA')
    el.close()
    await nextTick()
    expect(panelShown(el)).toBe(false)
    expect(el.shadowRoot!.activeElement).toBe(launcher(el)) // focus was inside: back to the launcher
    expect(events).toEqual([
      ['vc-open', undefined],
      ['vc-close', undefined],
    ])

    own.focus() // the host's own control keeps focus through open/close it asks for
    el.open()
    own.focus()
    el.close()
    await nextTick()
    expect(document.activeElement).toBe(own)
    // The launcher and Escape tell the host too.
    launcher(el).click()
    await nextTick()
    $(el, '.vc-panel')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await nextTick()
    expect(events.map(([type]) => type)).toEqual([
      'vc-open',
      'vc-close',
      'vc-open',
      'vc-close',
      'vc-open',
      'vc-close',
    ])
  })

  it('should perform calls made before the element is in the page once it is mounted, in order', async () => {
    const { el, events } = setup()
    el.open()
    el.close()
    el.open()
    expect(events).toEqual([])
    document.body.append(el)
    await nextTick()
    expect(panelShown(el)).toBe(true)
    expect(events.map(([type]) => type)).toEqual(['vc-open', 'vc-close', 'vc-open'])
  })

  it('should keep `open` working as a setting: the attribute, and the property assigned before or after the upgrade', async () => {
    const tag = `vc-host-early-${++n}`
    const early = document.createElement(tag) as HTMLElement & Record<string, unknown>
    early.open = true // before the definition exists: a plain own property
    document.body.append(early)
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ items: [] })),
    )
    register(tag)
    await nextTick()
    const el = early as unknown as VolcanoChatElement
    expect(panelShown(el)).toBe(true)
    expect(typeof el.open).toBe('function')
    expect(el.hasAttribute('open')).toBe(true)
    el.open = false
    await nextTick()
    expect(panelShown(el)).toBe(false)
    expect(el.hasAttribute('open')).toBe(false) // reflected as before
    el.open = 'true'
    await nextTick()
    expect(panelShown(el)).toBe(true)
  })
})

describe('send(text)', () => {
  it("should open the panel, wait for the latest conversation's history, then send the text once", async () => {
    const { el, sends, streams, order } = setup()
    document.body.append(el)
    await nextTick()
    const sent = el.send('  你好  ')
    await vi.waitFor(() => expect(sends).toHaveLength(1))
    expect(await sent).toBe(true)
    expect(panelShown(el)).toBe(true)
    expect(sends[0]).toMatchObject({ message: '你好', conversationId: 'c1' })
    expect(order.indexOf('history')).toBeLessThan(order.indexOf('send'))
    // While that answer runs a second one is refused (as Send is disabled), the first goes on.
    expect(await el.send('再问')).toBe(false)
    expect(await el.send('   ')).toBe(false)
    streams[0]!.write(answer('m1'))
    streams[0]!.close()
    await vi.waitFor(() =>
      expect($$(el, '.vc-answer .vc-md').map((a) => a.textContent!.trim())).toContain('答案 m1'),
    )
    expect(sends).toHaveLength(1)
  })
})

describe('unread answers', () => {
  it('should count answers that end while the panel is closed, on a badge the launcher names, reset on open', async () => {
    const { el, tag, sends, streams, events } = setup()
    document.body.append(el)
    await nextTick()
    expect($(el, '.vc-badge')).toBeNull()
    void el.send('第一个问题')
    await vi.waitFor(() => expect(sends).toHaveLength(1))
    el.close()
    streams[0]!.write(answer('m1'))
    streams[0]!.close()
    await vi.waitFor(() => expect($(el, '.vc-badge')?.textContent).toBe('1'))
    expect($(el, '.vc-badge')!.getAttribute('aria-hidden')).toBe('true')
    expect(launcher(el).getAttribute('aria-label')).toBe('打开聊天（1 条新回答）')
    expect(sessionStorage.getItem(`volcano-chat:unread:${tag}`)).toBe('1') // the next page's loader shows it
    el.setAttribute('locale', 'en')
    await vi.waitFor(() => expect(launcher(el).getAttribute('aria-label')).toBe('Open chat (new answers: 1)'))

    el.open()
    await nextTick()
    expect($(el, '.vc-badge')).toBeNull()
    expect(sessionStorage.getItem(`volcano-chat:unread:${tag}`)).toBeNull()
    expect(events).toEqual([
      ['vc-open', undefined],
      ['vc-close', undefined],
      ['vc-unread', { count: 1 }],
      ['vc-open', undefined],
      ['vc-unread', { count: 0 }],
    ])

    // An answer that ends while the panel is open is read: no badge.
    void el.send('第二个问题')
    await vi.waitFor(() => expect(sends).toHaveLength(2))
    streams[1]!.write(answer('m2'))
    streams[1]!.close()
    await vi.waitFor(() =>
      expect($$(el, '.vc-answer .vc-md').map((a) => a.textContent!.trim())).toContain('答案 m2'),
    )
    expect($(el, '.vc-badge')).toBeNull()
  })

  it('should start from the count kept for the tab, and show 99+ above 99', async () => {
    const { el, tag } = setup()
    sessionStorage.setItem(`volcano-chat:unread:${tag}`, '120')
    document.body.append(el)
    await nextTick()
    expect($(el, '.vc-badge')!.textContent).toBe('99+')
    expect(launcher(el).getAttribute('aria-label')).toBe('打开聊天（120 条新回答）')
  })
})

describe('newConversation()', () => {
  it('should start an empty conversation without asking, and send into it next', async () => {
    const { el, sends, streams } = setup()
    document.body.append(el)
    await nextTick()
    el.open()
    await vi.waitFor(() => expect($$(el, '.vc-msg')).toHaveLength(1)) // the earlier conversation
    el.newConversation()
    await vi.waitFor(() => expect($$(el, '.vc-msg')).toHaveLength(0))
    expect($(el, '.vc-confirm')).toBeNull()
    void el.send('新的开始')
    await vi.waitFor(() => expect(sends).toHaveLength(1))
    expect(sends[0]!).not.toHaveProperty('conversationId', 'c1')
    streams[0]!.close()
  })

  it('should win over a first history load still under way, and keep the order of later calls', async () => {
    const { el, sends, streams, order } = setup()
    document.body.append(el)
    await nextTick()
    el.open() // loads the earlier conversation c1…
    el.newConversation() // …which must not fill the new one
    void el.send('新的开始')
    await vi.waitFor(() => expect(sends).toHaveLength(1))
    expect(order).toContain('history')
    expect(sends[0]!).not.toHaveProperty('conversationId', 'c1')
    streams[0]!.write(answer('m1'))
    streams[0]!.close()
    await vi.waitFor(() =>
      expect($$(el, '.vc-answer .vc-md').map((a) => a.textContent!.trim())).toEqual(['答案 m1']),
    )
  })
})
