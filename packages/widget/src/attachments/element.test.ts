// Issue 21 in the DOM (jsdom): paste an image → its chip uploads → Send (text or not) takes it along,
// the bubble shows it; Send waits for a running upload; a refusal is one line; after a reload the
// history question's image comes from the service with the token in the header; `attachments="off"`.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { register } from '../element'

let n = 0
const $ = (el: Element, sel: string) => el.shadowRoot!.querySelector(sel) as HTMLElement | null
const $$ = (el: Element, sel: string) => [...el.shadowRoot!.querySelectorAll(sel)] as HTMLElement[]
const answer = (id: string) =>
  new Response(
    [
      ['meta', { messageId: id, conversationId: 'c1' }],
      ['delta', { text: 'ok' }],
      ['done', { status: 'completed' }],
    ]
      .map(([event, data], seq) => `id: ${id}:${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
      .join(''),
    { headers: { 'Content-Type': 'text/event-stream' } },
  )
const uploaded = { fileId: 'f1', name: 'shot.png', kind: 'image', mime: 'image/png', bytes: 4 }
const png = () => new File([new Uint8Array([137, 80, 78, 71])], 'shot.png', { type: 'image/png' })

interface Call {
  url: URL
  init: RequestInit
}

/** `files`: answers `POST /api/chat/files` (a promise the test may hold back). */
async function mount(opts: { files?: () => Promise<Response>; history?: unknown[]; attrs?: object } = {}) {
  const calls: Call[] = []
  const fetch = vi.fn(async (input: string, init: RequestInit = {}) => {
    const url = new URL(input)
    calls.push({ url, init })
    if (url.pathname.endsWith('/conversations'))
      return Response.json({
        items: opts.history ? [{ conversationId: 'c1', title: '', updatedAt: '' }] : [],
      })
    if (url.pathname.endsWith('/history')) return Response.json({ items: opts.history ?? [] })
    if (url.pathname.endsWith('/welcome')) return Response.json({ prologue: '', questions: [] })
    if (url.pathname === '/api/chat/files')
      return opts.files ? opts.files() : Response.json(uploaded, { status: 201 })
    if (url.pathname.startsWith('/api/chat/files/'))
      return new Response(new Uint8Array(4), { headers: { 'Content-Type': 'image/png' } })
    return answer(`m${calls.length}`)
  })
  vi.stubGlobal('fetch', fetch)
  const tag = `vc-files-${++n}`
  register(tag)
  const el = document.createElement(tag)
  const attrs = { open: '', token: 't', 'api-base': 'https://chat.example', ...opts.attrs }
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  const errors: { code: string }[] = []
  el.addEventListener('vc-error', (e) => errors.push((e as CustomEvent).detail[0]))
  document.body.append(el)
  await nextTick()
  // The first history load is over (Enter waits while it runs).
  await vi.waitFor(() => expect($(el, '.vc-empty') ?? $(el, '.vc-msg')).not.toBeNull())
  const input = $(el, '.vc-input') as HTMLTextAreaElement
  const send = () => $(el, 'button.vc-send') as HTMLButtonElement
  const sends = () =>
    calls.filter((c) => c.url.pathname === '/api/chat/send').map((c) => JSON.parse(c.init.body as string))
  return { el, calls, errors, input, send, sends }
}

/** A paste as Chromium gives it for a copied image (jsdom has no DataTransfer). */
function paste(target: HTMLElement, files: File[], types = ['Files']): Event {
  const e = new Event('paste', { bubbles: true, cancelable: true })
  const items = files.map((f) => ({ kind: 'file', getAsFile: () => f }))
  Object.defineProperty(e, 'clipboardData', { value: { items, types } })
  target.dispatchEvent(e)
  return e
}

const type = (input: HTMLTextAreaElement, text: string) => {
  input.value = text
  input.dispatchEvent(new Event('input'))
}

let urls = 0
beforeEach(() => {
  // jsdom: no object URLs, and uploads go through fetch (no real XMLHttpRequest to the network).
  vi.stubGlobal('XMLHttpRequest', undefined)
  URL.createObjectURL = vi.fn(() => `blob:u${++urls}`)
  URL.revokeObjectURL = vi.fn()
})

afterEach(() => {
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

describe('attachments in the composer', () => {
  it('should upload a pasted image at once and send it without text', async () => {
    const { el, input, send, sends, calls } = await mount()
    expect($(el, 'button.vc-attach')!.getAttribute('aria-label')).toBe('添加图片或文件')
    expect(send().disabled).toBe(true)
    const e = paste(input, [png()])
    expect(e.defaultPrevented).toBe(true)
    await vi.waitFor(() => expect($(el, '.vc-tray-done')).not.toBeNull())
    const upload = calls.find((c) => c.url.pathname === '/api/chat/files')!
    expect((upload.init.headers as Record<string, string>).Authorization).toBe('Bearer t')
    expect($(el, '.vc-tray-remove')!.getAttribute('aria-label')).toBe('移除 shot.png')
    expect(send().disabled).toBe(false) // an uploaded attachment is enough
    const preview = $(el, '.vc-tray-thumb')!.getAttribute('src')
    send().click()
    await vi.waitFor(() => expect(sends()).toHaveLength(1))
    expect(sends()[0]).toMatchObject({ message: '', attachments: [{ fileId: 'f1' }] })
    await vi.waitFor(() => expect($(el, '.vc-q img.vc-q-img')).not.toBeNull())
    // The bubble shows the chip's own preview: nothing is fetched back.
    expect($(el, '.vc-q img.vc-q-img')!.getAttribute('src')).toBe(preview)
    expect($(el, '.vc-q img.vc-q-img')!.getAttribute('src')).toMatch(/^blob:u/)
    expect($(el, '.vc-q img.vc-q-img')!.getAttribute('alt')).toBe('shot.png')
    expect(calls.some((c) => c.url.pathname.startsWith('/api/chat/files/'))).toBe(false)
    expect($$(el, '.vc-tray-item')).toHaveLength(0)
  })

  it('should let Send wait for a running upload, then send text and file together', async () => {
    let release!: (r: Response) => void
    const { el, input, send, sends } = await mount({
      files: () => new Promise<Response>((r) => (release = r)),
    })
    paste(input, [png()])
    type(input, '看看这个')
    await nextTick()
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await vi.waitFor(() => expect($(el, '.vc-hint[role="status"]')?.textContent).toBe('等待附件上传完成…'))
    expect(send().disabled).toBe(true)
    expect(sends()).toHaveLength(0)
    release(Response.json(uploaded, { status: 201 }))
    await vi.waitFor(() => expect(sends()).toHaveLength(1))
    expect(sends()[0]).toMatchObject({ message: '看看这个', attachments: [{ fileId: 'f1' }] })
  })

  it('should hold the question back when an upload it waited for fails', async () => {
    let release!: (r: Response) => void
    const { el, input, sends } = await mount({ files: () => new Promise<Response>((r) => (release = r)) })
    paste(input, [png()])
    type(input, '看看这个')
    await nextTick()
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await vi.waitFor(() => expect($(el, '.vc-hint[role="status"]')).not.toBeNull())
    release(
      Response.json({ error: { code: 'RATE_LIMITED', message: 'slow', requestId: 'r' } }, { status: 429 }),
    )
    await vi.waitFor(() => expect($(el, '.vc-attach-problem')).not.toBeNull())
    expect($(el, '.vc-attach-problem')!.textContent).toContain('请求过于频繁')
    expect($(el, '.vc-hint[role="status"]')).toBeNull()
    expect(sends()).toHaveLength(0)
    expect(input.value).toBe('看看这个') // still there to send
  })

  it('should show a refusal as one line in the user language and tell the host', async () => {
    const { el, input, errors, send } = await mount({
      files: async () =>
        Response.json(
          { error: { code: 'FILE_TYPE_NOT_ALLOWED', message: 'no', requestId: 'r' } },
          { status: 415 },
        ),
      attrs: { locale: 'en' },
    })
    paste(input, [png()])
    await vi.waitFor(() => expect($(el, '.vc-tray-failed')).not.toBeNull())
    expect($$(el, '.vc-attach-problem [role="alert"]').map((p) => p.textContent)).toEqual([
      'This file type is not supported. You can send images (PNG, JPEG, GIF, WebP), PDF, text or Office documents.',
    ])
    expect(errors).toEqual([expect.objectContaining({ code: 'FILE_TYPE_NOT_ALLOWED', status: 415 })])
    expect(send().disabled).toBe(true) // nothing uploaded, no text
    ;($(el, '.vc-tray-remove') as HTMLButtonElement).click()
    await nextTick()
    expect($$(el, '.vc-tray-item')).toHaveLength(0)
  })

  it('should take dropped files, and leave a paste with text to the input', async () => {
    const { el, input } = await mount()
    expect(paste(input, [png()], ['text/plain', 'Files']).defaultPrevented).toBe(false)
    const form = $(el, '.vc-composer')!
    const drag = (kind: string) => {
      const e = new Event(kind, { bubbles: true, cancelable: true })
      Object.defineProperty(e, 'dataTransfer', {
        value: { types: ['Files'], files: [png()], dropEffect: '' },
      })
      form.dispatchEvent(e)
      return e
    }
    expect(drag('dragover').defaultPrevented).toBe(true)
    await nextTick()
    expect(form.classList.contains('vc-dragging')).toBe(true)
    expect(drag('drop').defaultPrevented).toBe(true)
    await vi.waitFor(() => expect($$(el, '.vc-tray-item')).toHaveLength(1))
    expect(form.classList.contains('vc-dragging')).toBe(false)
  })

  it('should have no paperclip and leave a paste alone with attachments="off"', async () => {
    const { el, input } = await mount({ attrs: { attachments: 'off' } })
    expect($(el, 'button.vc-attach')).toBeNull()
    expect(paste(input, [png()]).defaultPrevented).toBe(false)
  })
})

describe('attachments refused on send', () => {
  it('should say that an attachment is gone when the service no longer has it', async () => {
    const { el, input, send } = await mount()
    paste(input, [png()])
    await vi.waitFor(() => expect($(el, '.vc-tray-done')).not.toBeNull())
    vi.mocked(fetch).mockImplementationOnce(async () =>
      Response.json({ error: { code: 'FILE_NOT_FOUND', message: 'gone', requestId: 'r' } }, { status: 404 }),
    )
    send().click()
    await vi.waitFor(() => expect($(el, '.vc-problem')).not.toBeNull())
    expect($(el, '.vc-problem')!.textContent).toContain('附件已失效，请重新添加。')
  })
})

describe('attachments in history', () => {
  it("should fetch a history question's image with the token in the header and let it go with the bubble", async () => {
    const item = {
      messageId: 'h1',
      conversationId: 'c1',
      question: '',
      answer: 'a',
      status: 'completed',
      askedAt: '2026-12-06T20:00:00Z',
      attachments: [
        uploaded,
        { fileId: 'f2', name: 'plan.pdf', kind: 'file', mime: 'application/pdf', bytes: 1_500_000 },
      ],
    }
    const { el, calls } = await mount({ history: [item] })
    await vi.waitFor(() => expect($(el, '.vc-q img.vc-q-img')).not.toBeNull())
    const get = calls.find((c) => c.url.pathname === '/api/chat/files/f1')!
    expect(get.url.search).toBe('')
    expect((get.init.headers as Record<string, string>).Authorization).toBe('Bearer t')
    const src = $(el, '.vc-q img.vc-q-img')!.getAttribute('src')!
    expect(src).toMatch(/^blob:/)
    expect($(el, '.vc-q-file')!.textContent).toContain('plan.pdf')
    expect($(el, '.vc-q-file')!.textContent).toContain('1.5 MB')
    el.remove() // the bubble goes with the element
    await nextTick()
    expect(URL.revokeObjectURL).toHaveBeenCalledWith(src)
  })
})
