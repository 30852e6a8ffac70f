/**
 * The only producer of HTML in the widget. markdown-it with `html:false` (raw HTML in an answer is
 * shown as text), then DOMPurify on its output with a short allow-list, so even a markdown-it bug
 * cannot put script, handlers or `javascript:`/`data:` URLs into the shadow root; then safe-html.ts
 * on the sanitised fragment: images only from allowed origins or on a click, no bidi controls, links
 * that show where they go (issue 20 #4).
 */
import MarkdownIt from 'markdown-it'
import createDOMPurify, { type Config } from 'dompurify'
import { highlight, resolveLanguage } from './highlight'
import { enforcePolicy, NO_IMAGES, type ImagePolicy } from './safe-html'

export interface RenderOptions {
  /** Label of the copy button on code blocks (localised by the caller). */
  copyLabel: string
  /** Which images may load; none without it. */
  images?: ImagePolicy
}

/** http(s), mail, phone, in-page and relative links; every other scheme is dropped. */
const SAFE_URL = /^(?:https?:\/\/|mailto:|tel:|#|\/(?!\/)|\.{1,2}\/)/i

const md = new MarkdownIt({ html: false, linkify: true, breaks: true })
md.validateLink = (url) => SAFE_URL.test(url.trim())

md.renderer.rules.fence = (tokens, idx, _options, env) => {
  const token = tokens[idx]!
  // Only a known language name ever reaches the class attribute: a crafted info string stays out.
  const lang = resolveLanguage(token.info)
  const body = (lang && highlight(token.content, lang)) ?? md.utils.escapeHtml(token.content)
  const label = md.utils.escapeHtml(String(env?.copyLabel ?? ''))
  return (
    `<div class="vc-code"><div class="vc-code-bar"><span class="vc-code-lang">${lang ?? ''}</span>` +
    `<button type="button" class="vc-copy" data-vc-copy="">${label}</button></div>` +
    `<pre><code class="hljs${lang ? ` language-${lang}` : ''}">${body}</code></pre></div>\n`
  )
}

// Our own instance: a host app (Vue entry) using DOMPurify keeps its own hooks and config.
const purify = createDOMPurify(typeof window === 'undefined' ? undefined : window)

const PURIFY: Config = {
  ALLOWED_TAGS: (
    'a p br hr strong em s code pre blockquote ul ol li h1 h2 h3 h4 h5 h6 ' +
    'table thead tbody tr th td img span div button'
  ).split(' '),
  ALLOWED_ATTR: ['href', 'title', 'alt', 'src', 'class', 'start', 'type', 'data-vc-copy'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
}

purify.addHook('afterSanitizeAttributes', (node) => {
  for (const attr of ['href', 'src']) {
    const value = node.getAttribute(attr)
    if (value !== null && !SAFE_URL.test(value.trim())) node.removeAttribute(attr)
  }
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer')
  }
  if (node.tagName === 'IMG') node.setAttribute('referrerpolicy', 'no-referrer')
})

/**
 * @example renderMarkdown('**hi** <img src=x onerror=alert(1)>', { copyLabel: 'Copy' })
 * // '<p><strong>hi</strong> &lt;img src=x onerror=alert(1)&gt;</p>\n'
 */
export function renderMarkdown(src: string, opts: RenderOptions): string {
  return sanitizeHtml(md.render(src, { copyLabel: opts.copyLabel }), opts.images)
}

/**
 * The same sanitiser for HTML built elsewhere (cards, `render/parts.ts`): every fragment passes here.
 * The fragment stays in DOMPurify's inert document until it is a string again: an `<img>` created in
 * the page's own document would be fetched before any rule could stop it.
 */
export function sanitizeHtml(html: string, images: ImagePolicy = NO_IMAGES): string {
  const fragment = purify.sanitize(html, { ...PURIFY, RETURN_DOM_FRAGMENT: true })
  enforcePolicy(fragment, images)
  const box = fragment.ownerDocument.createElement('div')
  box.append(fragment)
  return box.innerHTML
}

export const escapeHtml = (text: string): string => md.utils.escapeHtml(text)
