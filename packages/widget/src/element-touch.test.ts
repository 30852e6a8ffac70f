// Issue 21, phone: a touch keyboard has no Shift, so there Enter is a newline, Send sends, and the
// placeholder does not mention keys.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { register } from './element'

let n = 0
const $ = (el: Element, sel: string) => el.shadowRoot!.querySelector(sel) as HTMLElement | null

async function mount(pointer: 'coarse' | 'fine') {
  vi.stubGlobal('matchMedia', (q: string) => ({
    matches: q.includes(`pointer: ${pointer}`),
    media: q,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  }))
  const sends: unknown[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      if (url.endsWith('/conversations')) return Response.json({ items: [] })
      if (url.endsWith('/welcome')) return Response.json({ prologue: '', questions: [] })
      sends.push(init?.body)
      return Response.json({ error: { code: 'UPSTREAM_ERROR', message: 'x' } }, { status: 502 })
    }),
  )
  const tag = `vc-touch-${++n}`
  register(tag)
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries({ open: '', token: 't', 'api-base': 'https://chat.example' }))
    el.setAttribute(k, v)
  document.body.append(el)
  await nextTick()
  await vi.waitFor(() => expect($(el, '.vc-empty')).not.toBeNull())
  const input = $(el, 'textarea') as HTMLTextAreaElement
  input.value = '你好'
  input.dispatchEvent(new Event('input'))
  return { el, input, sends }
}

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.replaceChildren()
})

describe('composer on a touch screen', () => {
  it('should keep Enter for a newline and name no keys in the placeholder', async () => {
    const { input, sends } = await mount('coarse')
    expect(input.placeholder).toBe('输入问题')
    const enter = new KeyboardEvent('keydown', { key: 'Enter', cancelable: true })
    input.dispatchEvent(enter)
    expect(enter.defaultPrevented).toBe(false)
    await nextTick()
    expect(sends).toHaveLength(0)
  })

  it('should send on Enter with a keyboard and say so in the placeholder', async () => {
    const { input, sends } = await mount('fine')
    expect(input.placeholder).toContain('Shift+Enter')
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', cancelable: true }))
    await vi.waitFor(() => expect(sends).toHaveLength(1))
  })
})
