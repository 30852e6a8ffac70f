import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { register, type VolcanoChatElement } from './element'

let n = 0
const uniqueTag = () => `vc-test-${++n}`

async function mount(tag: string, attrs: Record<string, string> = {}): Promise<VolcanoChatElement> {
  const el = document.createElement(tag) as VolcanoChatElement
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v)
  document.body.append(el)
  await nextTick()
  return el
}

const $ = (el: Element, sel: string) => el.shadowRoot!.querySelector(sel) as HTMLElement | null

const sseResponse = (text: string) => new Response(text, { headers: { 'Content-Type': 'text/event-stream' } })
const ANSWER =
  'id: m1:0\nevent: meta\ndata: {"messageId":"m1","conversationId":"c1"}\n\n' +
  'id: m1:1\nevent: delta\ndata: {"text":"**答**"}\n\n' +
  'id: m1:2\nevent: done\ndata: {"status":"completed"}\n\n'

afterEach(() => {
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

describe('register', () => {
  it('should define the element once and keep the first definition', () => {
    const tag = uniqueTag()
    register(tag)
    const first = customElements.get(tag)
    register(tag, { nonce: 'other' })
    expect(customElements.get(tag)).toBe(first)
  })
})

describe('styles', () => {
  it('should put the root and every child style in the shadow root, with the nonce', async () => {
    const tag = uniqueTag()
    register(tag, { nonce: 'n0nce' })
    const el = await mount(tag, { open: '' })
    const styles = [...el.shadowRoot!.querySelectorAll('style')]
    const css = styles.map((s) => s.textContent).join('\n')
    for (const cls of [
      '.vc-panel',
      '.vc-launcher',
      '.vc-header',
      '.vc-composer',
      '.vc-messages',
      '.vc-notice',
    ])
      expect(css).toContain(cls)
    expect(styles.every((s) => s.getAttribute('nonce') === 'n0nce')).toBe(true)
    expect(document.head.querySelectorAll('style')).toHaveLength(0)
  })
})

describe('attributes → props', () => {
  it('should cast a bare open attribute to true and show the panel', async () => {
    const tag = uniqueTag()
    register(tag)
    const el = await mount(tag, { open: '', title: '客服', locale: 'en' })
    expect($(el, '.vc-panel')!.style.display).toBe('')
    expect($(el, '.vc-launcher')!.getAttribute('aria-expanded')).toBe('true')
    expect($(el, '.vc-title')!.textContent).toBe('客服')
    expect($(el, '.vc-launcher')!.getAttribute('aria-label')).toBe('Close chat')
  })

  it('should keep the panel closed without open and follow later changes', async () => {
    const tag = uniqueTag()
    register(tag)
    const el = await mount(tag)
    expect(typeof el.open).toBe('function') // the host API's open(); assigned, the setting
    expect($(el, '.vc-panel')!.style.display).toBe('none')
    expect($(el, '.vc-launcher')!.getAttribute('aria-label')).toBe('打开聊天')
    el.setAttribute('open', 'false')
    await nextTick()
    expect($(el, '.vc-panel')!.style.display).toBe('none')
    el.setAttribute('open', 'open')
    await nextTick()
    expect($(el, '.vc-panel')!.style.display).toBe('')
  })

  it('should turn colours into --vc-* properties and the position into a class', async () => {
    const tag = uniqueTag()
    register(tag)
    const el = await mount(tag, { 'primary-color': '#fde047', position: 'bottom-left' })
    const root = $(el, '.vc-root')!
    expect(root.style.getPropertyValue('--vc-primary')).toBe('#fde047')
    expect(root.style.getPropertyValue('--vc-on-primary')).toBe('#111')
    expect(root.classList.contains('vc-bottom-left')).toBe(true)
  })

  it('should carry the theme as data-vc-theme on the element, from the attribute or the property', async () => {
    const tag = uniqueTag()
    register(tag)
    const el = await mount(tag)
    expect(el.getAttribute('data-vc-theme')).toBe('light') // auto, and jsdom prefers no dark scheme
    el.setAttribute('theme', 'dark')
    await nextTick()
    expect(el.getAttribute('data-vc-theme')).toBe('dark')
    ;(el as unknown as { theme: string }).theme = 'light'
    await nextTick()
    expect(el.getAttribute('data-vc-theme')).toBe('light')
  })

  it('should use registration defaults for attributes left out', async () => {
    const tag = uniqueTag()
    register(tag, { defaults: { title: 'From script', open: '' } })
    const el = await mount(tag)
    expect($(el, '.vc-title')!.textContent).toBe('From script')
    expect($(el, '.vc-panel')!.style.display).toBe('')
  })
})

describe('events and behaviour', () => {
  it('should dispatch vc-ready on connect', async () => {
    const tag = uniqueTag()
    register(tag)
    const el = document.createElement(tag)
    const ready = vi.fn()
    el.addEventListener('vc-ready', ready)
    document.body.append(el)
    await nextTick()
    expect(ready).toHaveBeenCalledTimes(1)
  })

  it('should open on the launcher, move focus in, close on Escape and give focus back', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ items: [] })),
    )
    const tag = uniqueTag()
    register(tag)
    const el = await mount(tag, { token: 't' })
    const launcher = $(el, '.vc-launcher')!
    launcher.click()
    await vi.waitFor(() => expect(el.shadowRoot!.activeElement).toBe($(el, 'textarea')))
    expect($(el, '.vc-panel')!.style.display).toBe('')
    expect(launcher.getAttribute('aria-expanded')).toBe('true')
    $(el, 'textarea')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await vi.waitFor(() => expect(el.shadowRoot!.activeElement).toBe(launcher))
    expect($(el, '.vc-panel')!.style.display).toBe('none')
  })

  it('should send on Enter with the bearer token, render the answer and fire vc-message', async () => {
    const fetch = vi.fn(async (url: string, _init?: RequestInit) =>
      url.endsWith('/conversations') ? Response.json({ items: [] }) : sseResponse(ANSWER),
    )
    vi.stubGlobal('fetch', fetch)
    const tag = uniqueTag()
    register(tag)
    const el = await mount(tag, { open: '', token: 'tok', 'api-base': 'https://chat.example' })
    const onMessage = vi.fn()
    el.addEventListener('vc-message', onMessage)
    await vi.waitFor(() => expect($(el, '.vc-empty')).not.toBeNull()) // history loaded
    const input = $(el, 'textarea') as HTMLTextAreaElement
    input.value = '你好'
    input.dispatchEvent(new Event('input'))
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true }))
    expect(fetch.mock.calls.some(([u]) => u.endsWith('/send'))).toBe(false) // Shift+Enter: newline
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await vi.waitFor(() => expect($(el, '.vc-md strong')?.textContent).toBe('答'))
    const [url, init] = fetch.mock.calls.find(([u]) => u.endsWith('/send'))!
    expect(url).toBe('https://chat.example/api/chat/send')
    expect((init!.headers as Record<string, string>).Authorization).toBe('Bearer tok')
    expect(input.value).toBe('')
    await vi.waitFor(() => expect(onMessage).toHaveBeenCalledTimes(1))
    expect((onMessage.mock.calls[0]![0] as CustomEvent).detail[0]).toMatchObject({
      answer: '**答**',
      status: 'completed',
    })
  })

  it('should fire vc-token-expired and go on with the token the host sets', async () => {
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) => Response.json({ items: [] }))
    vi.stubGlobal('fetch', fetch)
    const tag = uniqueTag()
    register(tag)
    const el = document.createElement(tag) as VolcanoChatElement
    el.addEventListener('vc-token-expired', (e) => {
      expect((e as CustomEvent).detail[0]).toEqual({ reason: 'missing' })
      el.setAttribute('token', 'given')
    })
    el.setAttribute('open', '')
    document.body.append(el)
    await vi.waitFor(() => expect(fetch).toHaveBeenCalled())
    expect((fetch.mock.calls[0]![1]!.headers as Record<string, string>).Authorization).toBe('Bearer given')
  })

  it('should use the tokenProvider property', async () => {
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) => Response.json({ items: [] }))
    vi.stubGlobal('fetch', fetch)
    const tag = uniqueTag()
    register(tag)
    const el = document.createElement(tag) as VolcanoChatElement
    el.tokenProvider = async () => 'provided'
    el.setAttribute('open', '')
    document.body.append(el)
    await vi.waitFor(() => expect(fetch).toHaveBeenCalled())
    expect((fetch.mock.calls[0]![1]!.headers as Record<string, string>).Authorization).toBe('Bearer provided')
  })

  it('should fire vc-error with the code when the service refuses', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        Response.json({ error: { code: 'UPSTREAM_UNAVAILABLE', message: 'down' } }, { status: 503 }),
      ),
    )
    const tag = uniqueTag()
    register(tag)
    const el = document.createElement(tag)
    const onError = vi.fn()
    el.addEventListener('vc-error', onError)
    el.setAttribute('open', '')
    el.setAttribute('token', 't')
    document.body.append(el)
    await vi.waitFor(() => expect(onError).toHaveBeenCalled())
    expect((onError.mock.calls[0]![0] as CustomEvent).detail[0]).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      status: 503,
    })
    await vi.waitFor(() => expect($(el, '.vc-notice')!.textContent).toBe('服务繁忙，请稍后再试。'))
  })
})

describe('voice', () => {
  it('should have no voice buttons unless features lists voice', async () => {
    vi.stubGlobal('fetch', async () => Response.json({ items: [] }))
    const tag = uniqueTag()
    register(tag)
    const el = await mount(tag, { open: '', token: 'tok' })
    expect($(el, '.vc-mic')).toBeNull()
  })

  it('should explain an unsupported browser on the mic button and keep the text chat working', async () => {
    const fetch = vi.fn(async (url: string, _init?: RequestInit) =>
      url.endsWith('/conversations') ? Response.json({ items: [] }) : sseResponse(ANSWER),
    )
    vi.stubGlobal('fetch', fetch)
    const tag = uniqueTag()
    register(tag)
    // jsdom has neither getUserMedia nor AudioContext: an "unsupported" browser.
    const el = await mount(tag, {
      open: '',
      token: 'tok',
      'api-base': 'https://chat.example',
      features: 'voice',
    })
    await vi.waitFor(() => expect($(el, '.vc-empty')).not.toBeNull())
    const mic = $(el, '.vc-mic')!
    expect(mic.getAttribute('aria-label')).toContain('语音输入')
    mic.dispatchEvent(new MouseEvent('click', { detail: 0 })) // keyboard activation
    await vi.waitFor(() =>
      expect($(el, '.vc-voice-problem [role="alert"]')?.textContent).toContain('不支持语音'),
    )
    expect(fetch.mock.calls.some(([u]) => u.includes('/api/voice/'))).toBe(false)

    const input = $(el, 'textarea') as HTMLTextAreaElement
    input.value = '你好'
    input.dispatchEvent(new Event('input'))
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await vi.waitFor(() => expect($(el, '.vc-md strong')?.textContent).toBe('答'))
    // A completed answer gets a speaker button; pressing it here explains the same way.
    const speak = $(el, '.vc-speak')!
    expect(speak.getAttribute('aria-label')).toBe('朗读回答')
    ;($(el, '.vc-voice-dismiss') as HTMLButtonElement).click()
    await vi.waitFor(() => expect($(el, '.vc-voice-problem')).toBeNull())
    speak.click()
    await vi.waitFor(() => expect($(el, '.vc-voice-problem')).not.toBeNull())
  })
})
