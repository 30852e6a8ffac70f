// Issue 21 in the DOM (jsdom): the action bar under an answer — copy (label back after ~2 s, a
// refusal shown and sent as vc-error), regenerate on the newest answer only, 👍 → vc-feedback.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { $, mountElement, sse, unmountAll } from './element.fixtures'

const $$ = (el: Element, sel: string) => [...el.shadowRoot!.querySelectorAll(sel)] as HTMLElement[]
const answer = (id: string, text: string) =>
  sse(id, [
    ['meta', { messageId: id, conversationId: 'c1' }],
    ['delta', { text }],
    ['done', { status: 'completed' }],
  ])

async function mount() {
  let answers = 0
  const { el, fetch, errors, ask } = await mountElement((url) =>
    url.endsWith('/feedback')
      ? Response.json({ forwarded: true })
      : answer(`m${++answers}`, `**答案** ${answers}`),
  )
  const feedback: unknown[] = []
  el.addEventListener('vc-feedback', (e) => feedback.push((e as CustomEvent).detail[0]))
  ask('问题')
  await vi.waitFor(() => expect($(el, '.vc-actions')).not.toBeNull())
  return { el, fetch, errors: errors as { code: string }[], feedback }
}

afterEach(unmountAll)

describe('action bar', () => {
  it('should copy the Markdown source and say so for about 2 s', async () => {
    const writeText = vi.fn(async () => {})
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const { el } = await mount()
    vi.useFakeTimers()
    $(el, '.vc-act-copy')!.click()
    await vi.waitFor(() => expect($(el, '.vc-act-copy')!.textContent!.trim()).toBe('已复制'))
    expect(writeText).toHaveBeenCalledWith('**答案** 1')
    await vi.advanceTimersByTimeAsync(2100)
    expect($(el, '.vc-act-copy')!.textContent!.trim()).toBe('复制回答')
  })

  it('should show a refused copy and send it as vc-error', async () => {
    vi.stubGlobal('navigator', {
      ...navigator,
      clipboard: { writeText: () => Promise.reject(new Error('denied')) },
    })
    const { el, errors } = await mount()
    $(el, '.vc-act-copy')!.click()
    await vi.waitFor(() => expect($(el, '.vc-act-copy')!.textContent!.trim()).toBe('复制失败'))
    expect(errors).toEqual([expect.objectContaining({ code: 'COPY_FAILED' })])
  })

  it('should regenerate from the newest answer only, keeping the old one', async () => {
    const { el } = await mount()
    $(el, '.vc-act-regenerate')!.click()
    await vi.waitFor(() => expect($$(el, '.vc-actions')).toHaveLength(2))
    expect($$(el, '.vc-q').map((q) => q.textContent!.replace('你: ', '').trim())).toEqual(['问题', '问题'])
    expect($$(el, '.vc-act-regenerate')).toHaveLength(1)
    expect($$(el, '.vc-answer').map((a) => a.textContent)).toEqual([
      expect.stringContaining('答案 1'),
      expect.stringContaining('答案 2'),
    ])
  })

  it('should rate 👍, offer a comment and dispatch vc-feedback', async () => {
    const { el, fetch, feedback } = await mount()
    $(el, '.vc-act-like')!.click()
    await vi.waitFor(() => expect($(el, '.vc-act-like')!.getAttribute('aria-pressed')).toBe('true'))
    expect(feedback).toEqual([{ messageId: 'm1', rating: 'like' }])
    const input = $(el, '.vc-feedback-input') as HTMLInputElement
    input.value = '很好'
    input.dispatchEvent(new Event('input'))
    await nextTick()
    $(el, '.vc-feedback-form button')!.click()
    await vi.waitFor(() => expect(feedback).toHaveLength(2))
    expect(feedback[1]).toEqual({ messageId: 'm1', rating: 'like', comment: '很好' })
    const bodies = fetch.mock.calls
      .filter(([url]) => url.endsWith('/feedback'))
      .map(([, init]) => JSON.parse(init!.body as string))
    expect(bodies).toEqual([
      { messageId: 'm1', rating: 'like' },
      { messageId: 'm1', rating: 'like', comment: '很好' },
    ])
  })
})
