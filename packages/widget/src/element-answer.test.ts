// Issue 18 in the DOM (jsdom): a card among text answers, the bot's question and the reply, and the
// error texts: what the person sees, never the service's own message.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { $, mountElement, type Route, sse, unmountAll } from './element.fixtures'

const meta = (id: string): [string, object] => ['meta', { messageId: id, conversationId: 'c1' }]

const mount = (route: Route, locale = 'zh-CN', attrs: Record<string, string> = {}) =>
  mountElement(route, { locale, ...attrs })

afterEach(unmountAll)

describe('answer parts', () => {
  it('should render a card, then two text answers as separate blocks, without JSON', async () => {
    const card = {
      title: '订单 1024',
      description: '已发货',
      buttons: [{ text: '查看物流', url: 'https://s.example/1' }],
    }
    const { el, ask } = await mount(() =>
      sse('m1', [
        meta('m1'),
        ['part', { index: 0, kind: 'card', data: card }],
        ['part', { index: 1, kind: 'text' }],
        ['delta', { text: '第一段' }],
        ['part', { index: 2, kind: 'text' }],
        ['delta', { text: '第二段' }],
        ['done', { status: 'completed' }],
      ]),
    )
    ask('查订单')
    await vi.waitFor(() => expect($(el, '.vc-answer')!.getAttribute('aria-busy')).toBe('false'))
    const md = $(el, '.vc-answer .vc-md')!
    expect(md.querySelector('.vc-card-title')!.textContent).toBe('订单 1024')
    expect(md.querySelector('.vc-card a')!.getAttribute('href')).toBe('https://s.example/1')
    expect([...md.querySelectorAll(':scope > p')].map((p) => p.textContent)).toEqual(['第一段', '第二段'])
    expect(md.textContent).not.toMatch(/[{}"]/)
  })
})

// Issue 20 #4: an answer's images load only from the host's image-origins, or on a click (https only).
describe('images in answers', () => {
  const answer = () =>
    sse('m9', [
      meta('m9'),
      [
        'delta',
        {
          text: '![](/account/delete?confirm=1) ![](https://cdn.example/a.png) ![](https://t.example/p.gif)',
        },
      ],
      ['done', { status: 'completed' }],
    ])

  it('should load none by default: placeholders, and a click loads that https image only', async () => {
    const { el, ask } = await mount(answer, 'en')
    ask('pics')
    await vi.waitFor(() => expect($(el, '.vc-answer')!.getAttribute('aria-busy')).toBe('false'))
    const md = $(el, '.vc-answer .vc-md')!
    expect(md.querySelector('img')).toBeNull()
    expect(md.querySelector('span.vc-img-blocked')!.textContent).toBe('Image not shown')
    const buttons = [...md.querySelectorAll<HTMLButtonElement>('button[data-vc-img]')]
    expect(buttons.map((b) => b.textContent)).toEqual([
      'Image from cdn.example: click to load',
      'Image from t.example: click to load',
    ])
    buttons[1]!.click()
    await vi.waitFor(() => expect(md.querySelector('img')).not.toBeNull())
    expect([...md.querySelectorAll('img')].map((i) => i.getAttribute('src'))).toEqual([
      'https://t.example/p.gif',
    ])
    expect(md.querySelectorAll('button[data-vc-img]')).toHaveLength(1)
  })

  it('should load images from the origins in image-origins at once', async () => {
    const { el, ask } = await mount(answer, 'zh-CN', { 'image-origins': 'https://cdn.example' })
    ask('pics')
    await vi.waitFor(() => expect($(el, '.vc-answer')!.getAttribute('aria-busy')).toBe('false'))
    const md = $(el, '.vc-answer .vc-md')!
    expect([...md.querySelectorAll('img')].map((i) => i.getAttribute('src'))).toEqual([
      'https://cdn.example/a.png',
    ])
    expect(md.querySelector('button[data-vc-img]')!.textContent).toBe('图片来自 t.example，点击加载')
  })
})

describe('question node', () => {
  it('should show a hint and send the next input as the reply', async () => {
    const { el, fetch, ask } = await mount((url) =>
      url.endsWith('/reply')
        ? sse('m2', [meta('m2'), ['delta', { text: '订单已发货' }], ['done', { status: 'completed' }]])
        : sse('m1', [
            meta('m1'),
            ['delta', { text: '请问订单号？' }],
            ['action', { kind: 'reply', toolCallId: 'tc1' }],
            ['done', { status: 'requires_action' }],
          ]),
    )
    ask('查订单')
    await vi.waitFor(() => expect($(el, '.vc-hint')?.textContent).toBe('回复助手的问题'))
    expect($(el, 'textarea')!.getAttribute('aria-describedby')).toBe($(el, '.vc-hint')!.id)
    ask('1024')
    await vi.waitFor(() => expect(el.shadowRoot!.querySelectorAll('.vc-msg')).toHaveLength(2))
    await vi.waitFor(() =>
      expect(el.shadowRoot!.querySelectorAll('.vc-md')[1]?.textContent?.trim()).toBe('订单已发货'),
    )
    expect(el.shadowRoot!.querySelectorAll('.vc-q')[1]!.textContent).toContain('1024')
    const [url, init] = fetch.mock.calls.at(-1)!
    expect(url).toBe('https://chat.example/api/chat/reply')
    expect(JSON.parse(init!.body as string)).toEqual({ messageId: 'm1', toolCallId: 'tc1', text: '1024' })
    expect($(el, '.vc-hint')).toBeNull()
  })

  it('should show that a tool is running while the service calls it', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const enc = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(enc.encode('id: m1:0\nevent: meta\ndata: {"messageId":"m1","conversationId":"c1"}\n\n'))
        c.enqueue(
          enc.encode('id: m1:1\nevent: action\ndata: {"kind":"tool","toolCallId":"t","name":"orders"}\n\n'),
        )
        await gate
        c.enqueue(
          enc.encode(
            'id: m1:2\nevent: delta\ndata: {"text":"好了"}\n\nid: m1:3\nevent: done\ndata: {"status":"completed"}\n\n',
          ),
        )
        c.close()
      },
    })
    const { el, ask } = await mount(
      () => new Response(body, { headers: { 'Content-Type': 'text/event-stream' } }),
      'en',
    )
    ask('q')
    await vi.waitFor(() => expect($(el, '.vc-tool')?.textContent).toBe('Looking it up…'))
    release()
    await vi.waitFor(() => expect($(el, '.vc-md')?.textContent?.trim()).toBe('好了'))
    expect($(el, '.vc-tool')).toBeNull()
  })
})

describe('error texts', () => {
  const COZE = 'Coze code 4011: The balance is insufficient. logid: 20261206153012ABCDEF'

  it.each([
    ['zh-CN', 'UPSTREAM_ACCOUNT', '助手暂时不可用，请稍后再试。'],
    ['en', 'UPSTREAM_ACCOUNT', 'The assistant is temporarily unavailable. Please try again later.'],
    ['zh-CN', 'CONTEXT_TOO_LONG', '对话太长了，请开始新话题。'],
    ['zh-CN', 'SOMETHING_UNKNOWN', '出错了，请重试。'],
  ])(
    'should show an error event in %s as the text for %s, the message only in vc-error',
    async (locale, code, text) => {
      const { el, errors, ask } = await mount(
        () => sse('m1', [meta('m1'), ['error', { code, message: COZE }]]),
        locale,
      )
      ask('q')
      await vi.waitFor(() => expect($(el, '.vc-problem')).not.toBeNull())
      expect($(el, '.vc-problem')!.firstChild!.textContent!.trim()).toBe(text)
      expect(el.shadowRoot!.textContent).not.toMatch(/Coze|logid|4011/)
      expect(errors).toEqual([{ code, message: COZE }])
    },
  )

  it('should show a refusal before the stream with its Retry-After', async () => {
    const { el, errors, ask } = await mount(() =>
      Response.json(
        { error: { code: 'UPSTREAM_BUSY', message: COZE, requestId: 'r' } },
        { status: 429, headers: { 'Retry-After': '17' } },
      ),
    )
    ask('q')
    await vi.waitFor(() => expect($(el, '.vc-notice')!.textContent).toBe('助手太忙了，请 17 秒后再试。'))
    // The notice counts the wait down; the answer says only that the question was not sent (once per error).
    expect($(el, '.vc-problem')!.firstChild!.textContent!.trim()).toBe('未发送。')
    expect(el.shadowRoot!.textContent).not.toMatch(/Coze|logid/)
    expect(errors).toEqual([{ code: 'UPSTREAM_BUSY', message: COZE, status: 429, retryAfter: 17 }])
  })
})
