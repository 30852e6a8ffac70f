import { describe, expect, it, vi } from 'vitest'
import { renderMarkdown } from './markdown'
import { languagesLoaded, setLanguageLoader } from './highlight'

const render = (src: string) => renderMarkdown(src, { copyLabel: '复制' })

function dom(html: string): HTMLElement {
  const div = document.createElement('div')
  div.innerHTML = html
  return div
}

/** Nothing in the output can run script: no handlers, no script-ish tags, only safe URLs. */
function expectInert(html: string) {
  const root = dom(html)
  for (const el of root.querySelectorAll('*')) {
    expect(['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'SVG', 'MATH', 'STYLE', 'FORM', 'INPUT']).not.toContain(
      el.tagName.toUpperCase(),
    )
    for (const attr of el.attributes) {
      expect(attr.name, `${el.tagName} ${attr.name}`).not.toMatch(/^on|^style$|^srcdoc$|^formaction$/i)
      if (attr.name === 'href' || attr.name === 'src')
        expect(attr.value).toMatch(/^(https?:\/\/|mailto:|tel:|#|\/|\.)/)
    }
  }
}

describe('renderMarkdown', () => {
  it('should render Markdown', () => {
    const root = dom(render('# 标题\n\n**粗体** 和 `code`\n\n- a\n- b'))
    expect(root.querySelector('h1')?.textContent).toBe('标题')
    expect(root.querySelector('strong')?.textContent).toBe('粗体')
    expect(root.querySelectorAll('li')).toHaveLength(2)
  })

  const vectors: [string, string][] = [
    ['raw img onerror', '<img src=x onerror="window.__xss=1">'],
    ['raw script', '<script>window.__xss=1</script>'],
    ['raw svg onload', '<svg onload="window.__xss=1"></svg>'],
    ['raw iframe srcdoc', '<iframe srcdoc="<script>window.__xss=1</script>"></iframe>'],
    ['raw anchor', '<a href="javascript:window.__xss=1">x</a>'],
    ['javascript: link', '[click](javascript:window.__xss=1)'],
    ['upper-case scheme', '[click](JAVASCRIPT:window.__xss=1)'],
    ['entity-encoded scheme', '[click](&#106;avascript:window.__xss=1)'],
    ['scheme with tab', '[click](java\tscript:window.__xss=1)'],
    ['vbscript link', '[click](vbscript:msgbox(1))'],
    ['data: link', '[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)'],
    ['data: image', '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)'],
    ['javascript: image', '![x](javascript:window.__xss=1)'],
    ['autolink', '<javascript:window.__xss=1>'],
    ['reference link', '[click][r]\n\n[r]: javascript:window.__xss=1'],
    ['quoted title', '[a](https://example.com "t\\" onmouseover=\\"window.__xss=1")'],
    ['fence info with quotes', '```js" onmouseover="window.__xss=1\nlet a = 1\n```'],
    ['fence info with tag', '```<img src=x onerror=window.__xss=1>\ncode\n```'],
    ['html block', '<div onclick="window.__xss=1">\n\n*md*\n\n</div>'],
    ['style tag', '<style>*{display:none}</style>'],
  ]
  it.each(vectors)('should keep %s inert', (_name, src) => {
    expectInert(render(src))
  })

  it('should show raw HTML as text', () => {
    const root = dom(render('<b onclick="x">hi</b>'))
    expect(root.querySelector('b')).toBeNull()
    expect(root.textContent).toContain('<b onclick="x">hi</b>')
  })

  it('should keep a crafted fence info string out of attributes', () => {
    const code = dom(render('```js" onmouseover="window.__xss=1\nx\n```')).querySelector('code')!
    expect(code.getAttribute('class')).toBe('hljs')
    expect(code.attributes).toHaveLength(1)
  })

  it('should open links in a new tab without opener or referrer', () => {
    const a = dom(render('[site](https://example.com) and https://auto.example')).querySelectorAll('a')
    expect(a).toHaveLength(2)
    for (const el of a) {
      expect(el.getAttribute('target')).toBe('_blank')
      expect(el.getAttribute('rel')).toBe('noopener noreferrer')
    }
  })

  it('should drop the href of an unsafe link but keep its text', () => {
    const root = dom(render('[click](javascript:alert(1))'))
    expect(root.querySelector('a[href]')).toBeNull()
    expect(root.textContent).toContain('click')
  })

  it('should render code blocks with a copy button and the escaped code', () => {
    const root = dom(render('```\n<b>&amp;</b>\n```'))
    expect(root.querySelector('.vc-code button[data-vc-copy]')?.textContent).toBe('复制')
    expect(root.querySelector('code')?.textContent).toBe('<b>&amp;</b>\n')
  })

  it('should decode named entities in text', () => {
    expect(dom(render('a &copy; b &bogus; c')).textContent).toBe('a © b &bogus; c\n')
  })

  it('should highlight a language once its module has loaded', async () => {
    setLanguageLoader(async () => (await import('highlight.js/lib/languages/javascript')).default)
    const src = '```javascript\nconst a = 1\n```'
    const before = languagesLoaded.value
    expect(dom(render(src)).querySelector('.hljs-keyword')).toBeNull()
    await vi.waitFor(() => expect(languagesLoaded.value).toBe(before + 1), { interval: 1 })
    const root = dom(render(src))
    expect(root.querySelector('.hljs-keyword')?.textContent).toBe('const')
    expect(root.querySelector('code')?.className).toBe('hljs language-javascript')
    expectInert(root.innerHTML)
  })
})
