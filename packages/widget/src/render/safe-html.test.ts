import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './markdown'
import { loadableImage, NO_IMAGES, stripBidi, type ImagePolicy } from './safe-html'

const policy = (p: Partial<ImagePolicy> = {}): ImagePolicy => ({
  ...NO_IMAGES,
  clickLabel: (host) => `load ${host}`,
  blockedLabel: 'blocked',
  ...p,
})
const render = (src: string, images = policy()) => {
  const div = document.createElement('div')
  div.innerHTML = renderMarkdown(src, { copyLabel: 'Copy', images })
  return div
}

describe('images (issue 20 #4)', () => {
  it.each([
    ['a root-relative URL', '/account/delete?confirm=1'],
    ['a dot-relative URL', './avatar.png'],
    ['a parent-relative URL', '../x.png'],
    ['plain http', 'http://img.example/a.png'],
  ])('should never load %s, not even as a click-to-load placeholder', (_, src) => {
    for (const images of [
      policy(),
      policy({ origins: new Set(['https://img.example']), loaded: new Set([src]) }),
    ]) {
      const root = render(`![alt](${src})`, images)
      expect(root.querySelector('img')).toBeNull()
      expect(root.querySelector('[data-vc-img]')).toBeNull()
      expect(root.querySelector('span.vc-img-ph.vc-img-blocked')!.textContent).toBe('blocked (alt)')
      expect(root.innerHTML).not.toContain(src.replace(/&/g, '&amp;'))
    }
  })

  it('should show an https image from an origin not allowed as a placeholder naming its host', () => {
    const root = render('![](https://tracker.example/p.gif?leak=secret)')
    expect(root.querySelector('img')).toBeNull()
    const button = root.querySelector('button.vc-img-ph')!
    expect(button.getAttribute('type')).toBe('button')
    expect(button.getAttribute('data-vc-img')).toBe('https://tracker.example/p.gif?leak=secret')
    expect(button.textContent).toBe('load tracker.example')
  })

  it('should load images from allowed origins at once, and others once clicked', () => {
    const src =
      '![a](https://img.example/a.png) ![b](https://img.example:8443/b.png) ![c](https://other.example/c.png)'
    const allowed = render(src, policy({ origins: new Set(['https://img.example']) }))
    expect([...allowed.querySelectorAll('img')].map((i) => i.getAttribute('src'))).toEqual([
      'https://img.example/a.png',
    ])
    expect(allowed.querySelectorAll('button[data-vc-img]')).toHaveLength(2)
    const clicked = render(src, policy({ loaded: new Set(['https://other.example/c.png']) }))
    expect([...clicked.querySelectorAll('img')].map((i) => i.getAttribute('src'))).toEqual([
      'https://other.example/c.png',
    ])
    expect(clicked.querySelector('img')!.getAttribute('referrerpolicy')).toBe('no-referrer')
  })
})

describe('loadableImage', () => {
  it('should accept absolute https URLs only, resolving nothing against the page', () => {
    expect(loadableImage(' https://img.example/a.png ')?.href).toBe('https://img.example/a.png')
    for (const bad of [
      '/a.png',
      'a.png',
      '//img.example/a.png',
      'http://img.example/a.png',
      'data:image/png;base64,AA',
    ])
      expect(loadableImage(bad)).toBeUndefined()
  })
})

describe('bidi controls', () => {
  it('should strip embedding, override and isolate controls from text and attributes', () => {
    const root = render('invoice\u202Efdp.exe \u2066x\u2069 [t](https://a.example/ "ti\u202Etle")')
    expect(root.textContent).toContain('invoicefdp.exe x')
    expect(root.innerHTML).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/)
    expect(stripBidi('a\u202Ab\u202Bc\u202Cd\u202De\u202Ef\u2066g\u2067h\u2068i\u2069j')).toBe('abcdefghij')
  })

  it('should keep text without controls, right-to-left scripts included', () => {
    expect(render('שלום עולם').textContent).toBe('שלום עולם\n')
  })
})

describe('links', () => {
  it.each([
    ['[https://bank.example/login](https://evil.example/phish)', 'https://bank.example/login (evil.example)'],
    ['[www.bank.example](https://evil.example/)', 'www.bank.example (evil.example)'],
    ['[bank.example](https://evil.example/)', 'bank.example (evil.example)'],
    ['[bank.example/login](https://evil.example/)', 'bank.example/login (evil.example)'],
    ['[bаnk.example](https://bank.example/)', 'bаnk.example (bank.example)'], // Cyrillic а
    ['[https://bank.example\u200E](https://evil.example/)', 'https://bank.example (evil.example)'],
    ['[shop.example/orders](/orders)', 'shop.example/orders (/orders)'],
  ])('should show the real target of %s', (src, shown) => {
    const a = render(src).querySelector('a')!
    expect(a.textContent).toBe(shown)
    expect(a.querySelector('.vc-link-host')).not.toBeNull()
  })

  it('should leave links alone that go where their text says, or whose text is no URL', () => {
    const root = render(
      '[我的订单](https://shop.example/orders) https://auto.example/x [shop.example](https://shop.example/a)',
    )
    const links = [...root.querySelectorAll('a')]
    expect(links.map((a) => a.textContent)).toEqual(['我的订单', 'https://auto.example/x', 'shop.example'])
    expect(links[0]!.getAttribute('title')).toBe('https://shop.example/orders')
    expect(root.querySelector('.vc-link-host')).toBeNull()
  })
})
