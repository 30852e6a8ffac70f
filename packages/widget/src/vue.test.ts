import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, nextTick } from 'vue'
import { VolcanoChat } from './vue'

afterEach(() => {
  document.body.innerHTML = ''
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
          tokenProvider,
          onVcReady: onReady,
        }),
    }).mount(host)
    await nextTick()
    const el = host.querySelector('volcano-chat')!
    expect(el).toBeInstanceOf(customElements.get('volcano-chat')!)
    expect(el.apiBase).toBe('https://chat.example')
    expect(el.tokenProvider).toBe(tokenProvider)
    expect(el.hasAttribute('token')).toBe(false) // absent stays absent
    await vi.waitFor(() => expect(el.shadowRoot!.querySelector('.vc-title')?.textContent).toBe('助手'))
    expect(onReady).toHaveBeenCalledTimes(1)
  })
})
