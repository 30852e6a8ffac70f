import { describe, expect, it } from 'vitest'
import { readCard, renderCard, renderParts, type PartsOptions } from './parts'
import { NO_IMAGES } from './safe-html'

// The images in these tests come from one allowed origin; safe-html.test.ts covers the rest.
const OPTS: PartsOptions = {
  copyLabel: '复制',
  cardLabel: '[卡片]',
  fileLabel: '文件',
  images: { ...NO_IMAGES, origins: new Set(['https://img.example']) },
}
const dom = (html: string) => {
  const div = document.createElement('div')
  div.innerHTML = html
  return div
}

describe('readCard', () => {
  it('should read title, text, image and buttons', () => {
    expect(
      readCard({
        title: '订单 1024',
        description: '已发货',
        image_url: 'https://img.example/a.png',
        buttons: [{ text: '查看物流', url: 'https://shop.example/o/1024' }, { text: '无链接' }],
      }),
    ).toEqual({
      title: '订单 1024',
      text: '已发货',
      image: 'https://img.example/a.png',
      links: [{ label: '查看物流', url: 'https://shop.example/o/1024' }],
    })
  })

  it('should look into nested JSON strings and header objects', () => {
    const card = readCard(
      JSON.stringify({
        card_type: 2,
        data: JSON.stringify({
          header: { title: { tag: 'plain_text', content: '天气' } },
          elements: [{ tag: 'markdown', content: '晴 25°C' }],
        }),
      }),
    )
    expect(card).toEqual({ title: '天气', text: '晴 25°C', links: [] })
  })

  it('should treat a card that is one link as that link', () => {
    expect(readCard({ title: '官网', url: 'https://a.example/' })).toEqual({
      title: '官网',
      links: [{ label: '官网', url: 'https://a.example/' }],
    })
  })

  it('should give undefined for shapes it does not know', () => {
    expect(readCard({ card_type: 3, template_id: '71234' })).toBeUndefined()
    expect(readCard('not json')).toBeUndefined()
    expect(readCard([1, 2])).toBeUndefined()
    expect(readCard(null)).toBeUndefined()
  })
})

describe('renderCard', () => {
  it('should render a recognised card as sanitised HTML without its JSON', () => {
    const html = renderCard(
      {
        title: '<b>订单</b>',
        text: '已发货',
        image: 'https://img.example/a.png',
        links: [{ title: '查看', href: 'https://s.example/1' }],
      },
      OPTS,
    )
    const el = dom(html)
    expect(el.querySelector('.vc-card-title')!.textContent).toBe('<b>订单</b>') // escaped, not markup
    expect(el.querySelector('b')).toBeNull()
    expect(el.querySelector('.vc-card-text')!.textContent).toBe('已发货')
    expect(el.querySelector('img')!.getAttribute('src')).toBe('https://img.example/a.png')
    const a = el.querySelector('a')!
    expect(a.getAttribute('href')).toBe('https://s.example/1')
    expect(a.getAttribute('rel')).toBe('noopener noreferrer')
    expect(a.getAttribute('target')).toBe('_blank')
    expect(html).not.toContain('{')
  })

  it('should drop links and images that are not http(s)', () => {
    const el = dom(
      renderCard(
        {
          title: 't',
          image: 'javascript:alert(1)',
          buttons: [
            { text: 'x', url: 'javascript:alert(1)' },
            { text: 'y', url: 'data:text/html,<script>alert(1)</script>' },
            { text: 'z', url: '/relative' },
            { text: 'ok', url: 'http://fine.example/' },
          ],
        },
        OPTS,
      ),
    )
    expect(el.querySelector('img')).toBeNull()
    expect([...el.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual(['http://fine.example/'])
  })

  it('should escape quotes in URLs and keep handlers out', () => {
    const el = dom(renderCard({ title: 't', image: 'https://x.example/a.png" onerror="alert(1)' }, OPTS))
    expect(el.innerHTML).not.toMatch(/onerror=/)
  })

  it('should show a neutral label for an unknown card, never raw JSON', () => {
    const html = renderCard({ card_type: 3, template_id: '71234', x: { y: 1 } }, OPTS)
    expect(dom(html).textContent).toBe('[卡片]')
    expect(html).not.toContain('71234')
  })
})

describe('renderParts', () => {
  it('should render each text part as its own block, cards and files in order', () => {
    const el = dom(
      renderParts(
        [
          { kind: 'card', data: { title: '卡片标题' } },
          { kind: 'text', text: '第一段 **粗**' },
          { kind: 'text', text: '```\nunclosed' },
          { kind: 'text', text: '第三段' },
          { kind: 'image', data: { url: 'https://img.example/p.png', name: '图' } },
          { kind: 'file', data: { url: 'https://f.example/r.pdf', name: '报告.pdf' } },
          { kind: 'file', data: { url: 'javascript:alert(1)', name: '坏文件' } },
        ],
        OPTS,
      ),
    )
    expect([...el.children].map((c) => c.tagName + (c.className ? `.${c.className}` : ''))).toEqual([
      'DIV.vc-card',
      'P',
      'DIV.vc-code', // the unclosed fence ends with its part…
      'P', // …so the third text is still a paragraph
      'P',
      'P',
      'P',
    ])
    expect(el.querySelector(':scope > p strong')!.textContent).toBe('粗')
    expect(el.querySelector('img[alt="图"]')!.getAttribute('src')).toBe('https://img.example/p.png')
    // A file name looks like a host name: where it really comes from is shown beside it.
    expect(el.querySelector('a[href="https://f.example/r.pdf"]')!.textContent).toBe('报告.pdf (f.example)')
    expect(el.lastElementChild!.innerHTML).toBe('坏文件')
  })
})

// Issue 20 #4: cards and image parts follow the same image rules as Markdown.
describe('images in cards and parts without an allowed origin', () => {
  it('should show click-to-load placeholders instead of images', () => {
    const opts = { ...OPTS, images: NO_IMAGES }
    const el = dom(
      renderCard({ title: 't', image: 'https://img.example/a.png' }, opts) +
        renderParts(
          [
            { kind: 'image', data: { url: '/account/delete?confirm=1', name: '图' } },
            { kind: 'image', data: { url: '//tracker.example/p.gif', name: 'p' } },
          ],
          opts,
        ),
    )
    expect(el.querySelector('img')).toBeNull()
    expect(el.querySelector('button[data-vc-img]')!.getAttribute('data-vc-img')).toBe(
      'https://img.example/a.png',
    )
    // Parts take absolute web URLs only: the relative ones are gone before the sanitiser.
    expect(el.textContent).toContain('图')
    expect(el.innerHTML).not.toMatch(/account|tracker/)
  })
})
