import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, nextTick, ref } from 'vue'
import { SETTING_KEYS } from './settings'
import VolcanoChatElement from './VolcanoChat.ce.vue'
import { VolcanoChat, type HostMethods } from './vue'

afterEach(() => {
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

describe('VolcanoChat (Vue entry)', () => {
  it('should render <volcano-chat> with the given props and pass vc-* listeners through', async () => {
    const onReady = vi.fn()
    const tokenProvider = async () => 'fresh'
    const host = document.createElement('div')
    document.body.append(host)
    createApp({
      render: () =>
        h(VolcanoChat, {
          apiBase: 'https://chat.example',
          title: '助手',
          open: true,
          voiceSend: 'release',
          tokenProvider,
          onVcReady: onReady,
        }),
    }).mount(host)
    await nextTick()
    const el = host.querySelector('volcano-chat')!
    expect(el).toBeInstanceOf(customElements.get('volcano-chat')!)
    expect(el.apiBase).toBe('https://chat.example')
    expect(el.voiceSend).toBe('release')
    expect(el.tokenProvider).toBe(tokenProvider)
    expect(el.hasAttribute('token')).toBe(false) // absent stays absent
    await vi.waitFor(() => expect(el.shadowRoot!.querySelector('.vc-title')?.textContent).toBe('助手'))
    expect(onReady).toHaveBeenCalledTimes(1)
    expect(onReady).toHaveBeenCalledWith() // no CustomEvent, no payload
  })

  it("should emit the events' payloads (not detail[0]) and give a template ref the element's methods", async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ items: [] })),
    )
    const got: [string, unknown][] = []
    const chat = ref<HostMethods>()
    const host = document.createElement('div')
    document.body.append(host)
    createApp({
      render: () =>
        h(VolcanoChat, {
          ref: chat,
          token: 't',
          apiBase: 'https://chat.example',
          onVcOpen: (...args: unknown[]) => got.push(['open', args]),
          onVcClose: (...args: unknown[]) => got.push(['close', args]),
          onVcUnread: (detail: unknown) => got.push(['unread', detail]),
          onVcError: (detail: unknown) => got.push(['error', detail]),
        }),
    }).mount(host)
    await nextTick()
    const el = host.querySelector('volcano-chat')!
    el.dispatchEvent(new CustomEvent('vc-unread', { detail: [{ count: 2 }] })) // as Vue's element sends it
    el.dispatchEvent(new CustomEvent('vc-error', { detail: [{ code: 'X', message: 'x' }] }))
    chat.value!.open()
    await nextTick()
    expect(el.shadowRoot!.querySelector<HTMLElement>('.vc-panel')!.style.display).toBe('')
    chat.value!.close()
    expect(got).toEqual([
      ['unread', { count: 2 }],
      ['error', { code: 'X', message: 'x' }],
      ['open', []],
      ['close', []],
    ])
    expect(await chat.value!.send('   ')).toBe(false)
  })

  it('should declare every setting as a prop of the element, of the Vue component and in the README', () => {
    const settings = [...SETTING_KEYS, 'tokenProvider'].sort()
    const elementProps = Object.keys((VolcanoChatElement as { props?: object }).props ?? {})
    const vueProps = Object.keys(VolcanoChat.props)
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8')
    const table = readme.slice(readme.indexOf('## Settings'), readme.indexOf('## Events'))
    const documented = [...table.matchAll(/^\| (?:`[a-z-]+`|—) \| `(\w+)` \|/gm)].map((m) => m[1])
    // The app may have settings the loader never reads (not SETTING_KEYS): both components and the
    // README still list them.
    expect(elementProps.sort()).toEqual(expect.arrayContaining(settings))
    expect(vueProps.sort()).toEqual(elementProps)
    expect(documented.sort()).toEqual(elementProps)
  })
})
