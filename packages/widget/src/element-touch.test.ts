// Issue 21, phone: a touch keyboard has no Shift, so there Enter is a newline, Send sends, and the
// placeholder does not mention keys.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { mountElement, unmountAll } from './element.fixtures'

async function mount(pointer: 'coarse' | 'fine') {
  vi.stubGlobal('matchMedia', (q: string) => ({
    matches: q.includes(`pointer: ${pointer}`),
    media: q,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  }))
  const sends: unknown[] = []
  const { el, input, type } = await mountElement((_url, init) => {
    sends.push(init?.body)
    return Response.json({ error: { code: 'UPSTREAM_ERROR', message: 'x' } }, { status: 502 })
  })
  type('你好')
  return { el, input: input(), sends }
}

afterEach(unmountAll)

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
