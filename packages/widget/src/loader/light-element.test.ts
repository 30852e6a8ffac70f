import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { adopter } from '../element'
import { createTranslator } from '../i18n'
import VolcanoChat from '../VolcanoChat.ce.vue'
import ChatLauncher from '../components/ChatLauncher.ce.vue'
import { LAUNCHER_CSS, LAUNCHER_TEXT } from './launcher'
import { defineLightElement } from './light-element'
import { LOAD_FAILED, type AppApi } from './protocol'
import type { HostMethods } from '../host-api'

let n = 0
const uniqueTag = () => `vc-light-${++n}`

/** A load the test finishes by hand, counting attempts. */
function gate() {
  const attempts: { resolve: (api: AppApi) => void; reject: (e: Error) => void }[] = []
  const load = vi.fn(() => new Promise<AppApi>((resolve, reject) => void attempts.push({ resolve, reject })))
  const app: AppApi = { adopter }
  return {
    load,
    arrive: async (i = attempts.length - 1) => {
      attempts[i]!.resolve(app)
      await flush()
    },
    fail: async (i = attempts.length - 1) => {
      attempts[i]!.reject(new Error('could not load https://chat.example/widget/volcano-chat.app.js'))
      await flush()
    },
  }
}

const flush = async () => {
  for (let i = 0; i < 3; i++) await nextTick()
}

type Light = HTMLElement & Record<string, unknown>
const $ = (el: Element, sel: string) => el.shadowRoot!.querySelector(sel) as HTMLElement | null
const $$ = (el: Element, sel: string) => el.shadowRoot!.querySelectorAll(sel)

afterEach(() => {
  document.body.innerHTML = ''
  sessionStorage.clear()
  vi.unstubAllGlobals()
})

describe('the light element before the app', () => {
  it('should draw only the launcher, named as the full widget names it, and announce vc-ready once', () => {
    const tag = uniqueTag()
    const { load } = gate()
    defineLightElement(tag, { nonce: 'n0nce', defaults: {}, load })
    for (const locale of ['zh-CN', 'en'] as const) {
      const el = document.createElement(tag)
      const ready = vi.fn()
      el.addEventListener('vc-ready', ready)
      el.setAttribute('locale', locale)
      document.body.append(el)
      const button = $(el, 'button.vc-launcher')!
      expect(button.getAttribute('aria-label')).toBe(createTranslator(locale)('open'))
      expect(LAUNCHER_TEXT[locale].unread.replace('{n}', '3')).toBe(
        createTranslator(locale)('openUnread', { n: 3 }),
      )
      expect(button.getAttribute('aria-expanded')).toBe('false')
      expect($(el, 'style')!.getAttribute('nonce')).toBe('n0nce')
      expect($(el, '.vc-panel')).toBeNull()
      expect(ready).toHaveBeenCalledTimes(1)
    }
    expect(load).not.toHaveBeenCalled() // nobody reached for it yet
  })

  it('should load when the page is idle only with preload "idle"', () => {
    const idle = vi.fn((fn: () => void) => fn())
    vi.stubGlobal('requestIdleCallback', idle)
    const [eager, lazy] = [uniqueTag(), uniqueTag()]
    const [a, b] = [gate(), gate()]
    defineLightElement(eager, { defaults: {}, load: a.load, preload: 'idle' })
    defineLightElement(lazy, { defaults: {}, load: b.load })
    document.body.append(document.createElement(eager), document.createElement(lazy))
    expect(a.load).toHaveBeenCalledTimes(1)
    expect(b.load).not.toHaveBeenCalled()
    expect(idle).toHaveBeenCalledTimes(1)
  })

  it('should take position and colour from the attributes or the script defaults', () => {
    const tag = uniqueTag()
    defineLightElement(tag, { defaults: { position: 'bottom-left' }, load: gate().load })
    const el = document.createElement(tag)
    el.setAttribute('primary-color', '#ffcc00')
    document.body.append(el)
    const root = $(el, '.vc-root')!
    expect(root.className).toBe('vc-root vc-bottom-left')
    expect(root.style.getPropertyValue('--vc-primary')).toBe('#ffcc00')
    expect(root.style.getPropertyValue('--vc-on-primary')).toBe('#111')
    el.setAttribute('position', 'bottom-right')
    expect(root.className).toBe('vc-root vc-bottom-right')
  })

  it('should follow the theme as the app does: data-vc-theme from the attribute or the property', () => {
    const tag = uniqueTag()
    defineLightElement(tag, { defaults: {}, load: gate().load })
    const el = document.createElement(tag) as Light
    document.body.append(el)
    expect(el.getAttribute('data-vc-theme')).toBe('light') // auto, and jsdom prefers no dark scheme
    el.setAttribute('theme', 'dark')
    expect(el.getAttribute('data-vc-theme')).toBe('dark')
    el.theme = 'light'
    expect(el.getAttribute('data-vc-theme')).toBe('light')
  })

  it('should carry the same launcher and :host rules as the SFCs', () => {
    const rules = (css: string) =>
      Object.fromEntries(
        [
          ...css
            .replace(/\/\*[^]*?\*\//g, '')
            .replace(/\s+/g, ' ')
            .matchAll(/([^{}]+?)\s*\{([^{}]*)\}/g),
        ].map((m) => [
          m[1]!.trim(),
          m[2]!
            .replace(/\s*([:;,])\s*/g, '$1')
            .replace(/;$/, '')
            .replaceAll("'", '"')
            .trim(),
        ]),
      )
    const loader = rules(LAUNCHER_CSS)
    const sfc = {
      ...rules((VolcanoChat as { styles?: string[] }).styles!.join('\n')),
      ...rules((ChatLauncher as { styles?: string[] }).styles!.join('\n')),
    }
    for (const sel of [
      ':host',
      ':host([data-vc-theme="dark"])',
      '.vc-root',
      '.vc-root :focus-visible',
      '.vc-launcher',
      '.vc-bottom-left .vc-launcher',
      '.vc-badge',
    ])
      expect(loader[sel], sel).toBe(sfc[sel])
  })
})

describe('the hand-over to the app', () => {
  it('should keep properties set before the upgrade and on the light element, in the same node', async () => {
    const tag = uniqueTag()
    const early = document.createElement(tag) as Light
    const provider = async () => 'fresh'
    early.tokenProvider = provider // before the definition exists: a plain own property
    early.setAttribute('token', 'from-attribute')
    document.body.append(early)

    const { load, arrive } = gate()
    defineLightElement(tag, { defaults: {}, load })
    const ready = vi.fn()
    early.addEventListener('vc-ready', ready)
    early.token = 'from-property' // on the light element
    early.apiBase = 'https://chat.example'
    expect(early.tokenProvider).toBe(provider)
    expect($$(early, '.vc-launcher')).toHaveLength(1)

    $(early, '.vc-launcher')!.dispatchEvent(new Event('pointerenter'))
    expect(load).toHaveBeenCalledTimes(1)
    await arrive()

    expect(document.querySelector(tag)).toBe(early)
    expect(early.tokenProvider).toBe(provider)
    expect(early.token).toBe('from-property') // the property wins over the attribute, as before an upgrade
    expect(early.getAttribute('token')).toBe('from-property')
    expect(early.apiBase).toBe('https://chat.example')
    expect($$(early, '.vc-launcher')).toHaveLength(1) // Vue's; the loader's is gone
    expect($(early, '.vc-panel')).not.toBeNull()
    expect(ready).not.toHaveBeenCalled() // announced once, by the loader, before the listener was added
    // Later changes reach Vue.
    early.title = 'Help'
    early.setAttribute('open', '')
    await flush()
    expect($(early, '.vc-title')!.textContent).toBe('Help')
  })

  it('should open the panel, focus inside, when the launcher was clicked while the app loaded', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ items: [] })),
    )
    const tag = uniqueTag()
    const { load, arrive } = gate()
    defineLightElement(tag, { defaults: {}, load })
    const el = document.createElement(tag)
    el.setAttribute('token', 't')
    document.body.append(el)
    const button = $(el, '.vc-launcher')!
    button.click()
    expect(button.getAttribute('aria-busy')).toBe('true')
    button.click() // impatient: still one load
    expect(load).toHaveBeenCalledTimes(1)
    await arrive()
    expect($(el, '.vc-launcher')!.getAttribute('aria-expanded')).toBe('true')
    expect($(el, '.vc-panel')!.style.display).toBe('')
    expect(el.shadowRoot!.activeElement?.tagName).toBe('TEXTAREA')
  })

  it('should load at once when open is set, and the panel stays open', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ items: [] })),
    )
    const tag = uniqueTag()
    const { load, arrive } = gate()
    defineLightElement(tag, { defaults: {}, load })
    const el = document.createElement(tag)
    el.setAttribute('open', '')
    document.body.append(el)
    expect(load).toHaveBeenCalledTimes(1)
    await arrive()
    expect($(el, '.vc-panel')!.style.display).toBe('')
    expect($(el, '.vc-launcher')!.getAttribute('aria-expanded')).toBe('true')

    const other = uniqueTag()
    const second = gate()
    defineLightElement(other, { defaults: {}, load: second.load })
    const el2 = document.createElement(other) as Light
    document.body.append(el2)
    el2.open = true // as a property
    expect(second.load).toHaveBeenCalledTimes(1)
  })

  it('should show the failure on the launcher, fire vc-error, and try again on click', async () => {
    const tag = uniqueTag()
    const { load, arrive, fail } = gate()
    defineLightElement(tag, { defaults: {}, load })
    const el = document.createElement(tag)
    el.setAttribute('locale', 'en')
    const errors: unknown[] = []
    el.addEventListener('vc-error', (e) => errors.push((e as CustomEvent).detail[0]))
    document.body.append(el)
    $(el, '.vc-launcher')!.click()
    await fail()
    const button = $(el, '.vc-launcher')!
    expect(errors).toEqual([
      expect.objectContaining({ code: LOAD_FAILED, message: expect.stringContaining('volcano-chat.app.js') }),
    ])
    expect(button.dataset.state).toBe('failed')
    expect(button.getAttribute('aria-label')).toBe('The chat could not load. Click to try again.')
    expect(button.hasAttribute('aria-busy')).toBe(false)

    button.click()
    expect(load).toHaveBeenCalledTimes(2)
    expect(button.dataset.state).toBe('')
    await arrive()
    expect($(el, '.vc-panel')).not.toBeNull()
  })

  it('should make elements created after the app arrived the full widget at once', async () => {
    const tag = uniqueTag()
    const { load, arrive } = gate()
    defineLightElement(tag, { defaults: { title: 'From script' }, load })
    const first = document.createElement(tag)
    document.body.append(first)
    $(first, '.vc-launcher')!.dispatchEvent(new Event('focus'))
    await arrive()

    const later = document.createElement(tag)
    const ready = vi.fn()
    later.addEventListener('vc-ready', ready)
    document.body.append(later)
    await flush()
    expect($(later, '.vc-title')!.textContent).toBe('From script')
    expect(ready).toHaveBeenCalledTimes(1) // from Vue this time
    later.remove()
    await flush()
    expect(later.shadowRoot!.querySelector('.vc-root')).toBeNull() // Vue unmounted on disconnect
  })
})

describe('the host API before the app', () => {
  /** The service: one earlier conversation (c0); each send answered at once. */
  function service() {
    const sends: { message: string; conversationId?: string }[] = []
    const fetch = vi.fn(async (url: string, init?: RequestInit) => {
      const path = new URL(url).pathname
      if (path.endsWith('/conversations'))
        return Response.json({
          items: [{ conversationId: 'c0', title: '旧', updatedAt: '2026-12-01T08:00:00Z' }],
        })
      if (path.endsWith('/history'))
        return Response.json({
          items: [
            { messageId: 'h0', conversationId: 'c0', question: '旧', answer: '旧答', status: 'completed' },
          ],
        })
      if (!path.endsWith('/send')) return Response.json({ items: [] })
      const asked = JSON.parse(String(init?.body)) as { message: string; conversationId?: string }
      sends.push(asked)
      const { message } = asked
      const id = `m${sends.length}`
      const body = [
        ['meta', { messageId: id, conversationId: 'c1' }],
        ['delta', { text: `答 ${message}` }],
        ['done', { status: 'completed' }],
      ]
        .map(([event, data], i) => `id: ${id}:${i}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
        .join('')
      return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } })
    })
    vi.stubGlobal('fetch', fetch)
    return sends
  }

  function element() {
    const tag = uniqueTag()
    const g = gate()
    defineLightElement(tag, { defaults: {}, load: g.load })
    const el = document.createElement(tag) as Light & HostMethods
    el.setAttribute('token', 't')
    el.setAttribute('api-base', 'https://chat.example')
    const events: string[] = []
    for (const type of ['vc-open', 'vc-close', 'vc-unread'])
      el.addEventListener(type, () => events.push(type))
    document.body.append(el)
    return { el, tag, events, ...g }
  }

  const panelShown = (el: Element) => $(el, '.vc-panel')?.style.display === ''

  it('should load on send(), then open the panel and send the text once, in the order of the calls', async () => {
    const sends = service()
    const { el, load, arrive, events } = element()
    el.newConversation() // first: the question does not go into the earlier conversation c0
    const sent = el.send('你好')
    const second = el.send('再问') // refused then: the first answer is still running when it comes
    expect(load).toHaveBeenCalledTimes(1)
    expect($(el, '.vc-launcher')!.getAttribute('aria-busy')).toBe('true') // it will open
    await arrive()
    expect(await sent).toBe(true)
    expect(await second).toBe(false)
    expect(panelShown(el)).toBe(true)
    expect(events).toEqual(['vc-open'])
    await vi.waitFor(() => expect($(el, '.vc-answer .vc-md')?.textContent?.trim()).toBe('答 你好'))
    expect($$(el, '.vc-msg')).toHaveLength(1)
    expect(sends).toEqual([{ message: '你好', clientMessageId: expect.any(String) }]) // once, no conversationId
  })

  it('should only record close() (no load), and let it win over an earlier open()', async () => {
    service()
    const first = element()
    first.el.close()
    expect(first.load).not.toHaveBeenCalled()

    const { el, load, arrive, events } = element()
    el.open()
    el.close()
    expect(load).toHaveBeenCalledTimes(1) // open() asked for it
    expect($(el, '.vc-launcher')!.hasAttribute('aria-busy')).toBe(false) // it will not open
    await arrive()
    expect(panelShown(el)).toBe(false)
    el.open() // the app's own method now
    await flush()
    expect(panelShown(el)).toBe(true)
    expect(el.shadowRoot!.activeElement?.tagName).toBe('TEXTAREA')
    expect(events).toEqual(['vc-open', 'vc-close', 'vc-open'])
  })

  it('should answer a queued send with false when the app could not load, and not replay it on retry', async () => {
    const sends = service()
    const { el, load, fail, arrive } = element()
    const sent = el.send('你好')
    await fail()
    expect(await sent).toBe(false)
    $(el, '.vc-launcher')!.click()
    expect(load).toHaveBeenCalledTimes(2)
    await arrive()
    await flush()
    expect(panelShown(el)).toBe(true)
    expect(sends).toEqual([])
  })

  it("should show the tab's unread count on its launcher as the app does, and keep it through the hand-over", async () => {
    service()
    const tag = uniqueTag()
    sessionStorage.setItem(`volcano-chat:unread:${tag}`, '2')
    const { load, arrive } = gate()
    defineLightElement(tag, { defaults: {}, load })
    const el = document.createElement(tag)
    el.setAttribute('locale', 'en')
    document.body.append(el)
    const light = {
      badge: $(el, '.vc-launcher .vc-badge')!.textContent,
      label: $(el, '.vc-launcher')!.getAttribute('aria-label'),
    }
    expect(light).toEqual({ badge: '2', label: 'Open chat (new answers: 2)' })
    expect($(el, '.vc-badge')!.getAttribute('aria-hidden')).toBe('true')
    $(el, '.vc-launcher')!.dispatchEvent(new Event('focus'))
    await arrive()
    expect($(el, '.vc-panel')).not.toBeNull() // the app's launcher now
    expect({
      badge: $(el, '.vc-launcher .vc-badge')!.textContent,
      label: $(el, '.vc-launcher')!.getAttribute('aria-label'),
    }).toEqual(light)
    ;(el as Light & HostMethods).open()
    await flush()
    expect($(el, '.vc-badge')).toBeNull()
    expect(sessionStorage.getItem(`volcano-chat:unread:${tag}`)).toBeNull()
    expect(load).toHaveBeenCalledTimes(1)
  })
})
