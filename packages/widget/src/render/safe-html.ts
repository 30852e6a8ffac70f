/**
 * What the sanitiser's output may still do to the reader or the host page (issue 20 #4), decided on the
 * sanitised fragment while it is still in DOMPurify's inert document (nothing there is fetched):
 * - images: an answer is untrusted text, and an `<img>` is a GET the browser sends by itself, with the
 *   host page's cookies when relative (`![](/account/delete?confirm=1)`) and to anyone when absolute
 *   (a tracker). An image loads only from an origin the host allowed (`image-origins`) or after the
 *   reader clicked its placeholder, and only from an absolute `https:` URL; a relative, `http:` or
 *   other image never loads, not even on a click.
 * - bidi controls (U+202A–U+202E, U+2066–U+2069) are removed everywhere: they reorder what is shown
 *   ("Trojan Source"); the marks U+200E/U+200F/U+061C also go from links, where they only disguise.
 * - a link whose text looks like a URL (or a host name) that is not where it goes shows the real host
 *   after its text, inside the link: `[bank.example](https://evil.example)` reads "bank.example
 *   (evil.example)"; a relative link shows its path.
 */

export interface ImagePolicy {
  /** `https://host[:port]` origins whose images load at once (the host's `image-origins`). */
  origins: ReadonlySet<string>
  /** Image URLs the reader clicked to load (absolute https only). */
  loaded: ReadonlySet<string>
  /** Placeholder text of an image that a click may load, from its host. */
  clickLabel: (host: string) => string
  /** Placeholder text of an image that never loads (relative or not https). */
  blockedLabel: string
}

/** No origin allowed, nothing clicked: the default wherever the caller has no policy. */
export const NO_IMAGES: ImagePolicy = {
  origins: new Set(),
  loaded: new Set(),
  clickLabel: (host) => `Image from ${host}: click to load`,
  blockedLabel: 'Image not shown',
}

const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g
const BIDI_MARKS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g
const SCHEME = /^[a-z][\w+.-]*:\/\//i
/** A scheme, or a dotted name (any script: homographs too) followed by a path, port, query or nothing. */
const LOOKS_LIKE_URL = /^[a-z][\w+.-]*:\/\/\S|^[^\s/@:]+\.[^\s/@:.]{2,}(?:[/:?#]\S*)?$/i

/** Removes the bidi embedding, override and isolate controls. */
export const stripBidi = (text: string): string => text.replace(BIDI_CONTROLS, '')

/**
 * The URL of an image that may ever load: absolute and https, or undefined (relative, protocol-relative,
 * http, data …). Parsed without a base, so nothing resolves against the host page.
 * @example loadableImage('/account/delete') // undefined
 */
export function loadableImage(src: string): URL | undefined {
  try {
    const url = new URL(src.trim())
    return url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

/** Applies the rules above to a sanitised fragment, in place. */
export function enforcePolicy(root: DocumentFragment, images: ImagePolicy): void {
  const doc = root.ownerDocument
  for (const img of [...root.querySelectorAll('img')]) {
    const url = loadableImage(img.getAttribute('src') ?? '')
    if (url && (images.origins.has(url.origin) || images.loaded.has(url.href))) {
      img.setAttribute('src', url.href)
      continue
    }
    img.replaceWith(placeholder(doc, url, images, img.getAttribute('alt') ?? ''))
  }
  for (const a of root.querySelectorAll('a')) showRealTarget(a)
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue ?? ''
    const clean = stripBidi(text)
    if (clean !== text) n.nodeValue = clean
  }
  for (const el of root.querySelectorAll('[title], [alt]')) {
    for (const attr of ['title', 'alt']) {
      const v = el.getAttribute(attr)
      if (v !== null) el.setAttribute(attr, stripBidi(v))
    }
  }
}

/** A button that loads an https image on click (MarkdownView), or a plain note for any other image. */
function placeholder(doc: Document, url: URL | undefined, images: ImagePolicy, alt: string): HTMLElement {
  const el = doc.createElement(url ? 'button' : 'span')
  el.className = url ? 'vc-img-ph' : 'vc-img-ph vc-img-blocked'
  if (url) {
    el.setAttribute('type', 'button')
    el.setAttribute('data-vc-img', url.href)
    el.setAttribute('title', url.href)
  }
  const label = url ? images.clickLabel(url.host) : images.blockedLabel
  el.textContent = alt.trim() ? `${label} (${stripBidi(alt.trim())})` : label
  return el
}

function showRealTarget(a: HTMLAnchorElement): void {
  const href = a.getAttribute('href')
  if (href === null) return
  const clean = href.replace(BIDI_MARKS, '')
  if (clean !== href) a.setAttribute('href', clean)
  a.setAttribute('title', clean)
  const text = (a.textContent ?? '').replace(BIDI_MARKS, '').trim()
  if (text !== a.textContent?.trim()) a.textContent = text
  if (!LOOKS_LIKE_URL.test(text)) return
  const real = hostOf(clean)
  if (real !== undefined && real === hostOf(SCHEME.test(text) ? text : `http://${text}`)) return
  const badge = a.ownerDocument.createElement('span')
  badge.className = 'vc-link-host'
  badge.textContent = ` (${real ?? clean})`
  a.append(badge)
}

/** Host of an absolute URL (IDN as punycode, as the browser will use it); undefined for anything else. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host || undefined
  } catch {
    return undefined
  }
}
