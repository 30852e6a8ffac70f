/**
 * HTML for an answer made of several Coze messages (SPEC §2.2 `part`): text parts through Markdown,
 * cards, images and files built here from escaped text and then passed through the same sanitiser,
 * so nothing in a part reaches the shadow root unsanitised. A card whose shape is not recognised
 * shows a neutral label, never its JSON.
 */
import type { AnswerPart } from '../state/chat'
import { escapeHtml, renderMarkdown, sanitizeHtml } from './markdown'
import type { ImagePolicy } from './safe-html'

export interface PartsOptions {
  copyLabel: string
  /** Which images may load (safe-html.ts); none without it. */
  images?: ImagePolicy
  /** Shown for a card with nothing recognisable in it, e.g. `[卡片]`. */
  cardLabel: string
  /** Link text of a file without a name. */
  fileLabel: string
}

export interface CardView {
  title?: string
  text?: string
  image?: string
  links: { label: string; url: string }[]
}

// Cards come from Coze: only absolute web links belong in them (the sanitiser would also let relative
// URLs through, which would point at the host page).
const WEB_URL = /^https?:\/\/[^\s]+$/i
const MAX_LINKS = 8
const MAX_TEXT = 2000
const MAX_DEPTH = 3

type Obj = Record<string, unknown>

/** An object, or a JSON string holding one (Coze nests card data as JSON text). */
function asObject(v: unknown): Obj | undefined {
  if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
    try {
      v = JSON.parse(v)
    } catch {
      return undefined
    }
  }
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined
}

/** A non-empty string at one of `keys`, also inside `{content|text|title}` (e.g. `header.title.content`). */
function stringAt(o: Obj, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = o[k]
    if (typeof v === 'string' && v.trim()) return v.trim()
    const inner = asObject(v)
    if (inner) {
      const s = stringAt(inner, ['content', 'text', 'title'])
      if (s) return s
    }
  }
  return undefined
}

function urlAt(o: Obj, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = o[k]
    const url = typeof v === 'string' ? v.trim() : stringAt(asObject(v) ?? {}, ['url', 'src', 'href'])
    if (url && WEB_URL.test(url)) return url
  }
  return undefined
}

const TITLE = ['title', 'header', 'heading', 'name']
const TEXT = ['text', 'description', 'desc', 'content', 'subtitle', 'summary', 'body']
const IMAGE = ['image_url', 'imageUrl', 'image', 'img', 'cover_url', 'cover', 'thumbnail', 'picture', 'pic']
const LINK_LISTS = ['buttons', 'links', 'actions', 'button_list', 'buttonList']
const LINK_URL = ['url', 'link', 'href', 'jump_url', 'jumpUrl', 'uri', 'value']
const LINK_LABEL = ['text', 'title', 'label', 'name', 'content']
const NESTED = ['data', 'card', 'content', 'body', 'header']

/**
 * What a card shows, read tolerantly from Coze's card JSON (title, text/description, an image, buttons
 * or links); undefined when nothing is recognisable.
 * @example readCard({ title: '订单', description: '已发货', buttons: [{ text: '查看', url: 'https://a.example/o/1' }] })
 */
export function readCard(data: unknown): CardView | undefined {
  const view: CardView = { links: [] }
  const seen = new Set<Obj>()
  const visit = (o: Obj, depth: number) => {
    if (seen.has(o) || depth > MAX_DEPTH) return
    seen.add(o)
    view.title ??= stringAt(o, TITLE)
    view.text ??= stringAt(o, TEXT) ?? elementsText(o)
    view.image ??= urlAt(o, IMAGE)
    for (const key of LINK_LISTS) {
      const list = o[key]
      if (!Array.isArray(list)) continue
      for (const item of list) {
        const entry = asObject(item)
        const url = entry && urlAt(entry, LINK_URL)
        if (entry && url && view.links.length < MAX_LINKS)
          view.links.push({ label: stringAt(entry, LINK_LABEL) ?? url, url })
      }
    }
    for (const key of NESTED) {
      const inner = asObject(o[key])
      if (inner) visit(inner, depth + 1)
    }
  }
  const root = asObject(data)
  if (!root) return undefined
  visit(root, 0)
  // A card that is one link as a whole (`{title, url}`).
  const own = urlAt(root, ['url', 'link', 'href'])
  if (own && !view.links.length) view.links.push({ label: view.title ?? own, url: own })
  if (view.title === view.text) view.text = undefined
  if (view.text && view.text.length > MAX_TEXT) view.text = `${view.text.slice(0, MAX_TEXT)}…`
  return view.title || view.text || view.image || view.links.length ? view : undefined
}

/** Feishu-style `elements: [{tag, content|text}]`: their texts, one per line. */
function elementsText(o: Obj): string | undefined {
  if (!Array.isArray(o.elements)) return undefined
  const lines = o.elements.flatMap((e) => {
    const entry = asObject(e)
    const s = entry && stringAt(entry, ['content', 'text'])
    return s ? [s] : []
  })
  return lines.length ? lines.join('\n') : undefined
}

export function renderCard(data: unknown, opts: Pick<PartsOptions, 'cardLabel' | 'images'>): string {
  const card = readCard(data)
  if (!card) return sanitizeHtml(`<p class="vc-card vc-card-unknown">${escapeHtml(opts.cardLabel)}</p>`)
  const html = [
    '<div class="vc-card">',
    card.image ? `<img class="vc-card-img" src="${escapeHtml(card.image)}" alt="">` : '',
    card.title ? `<p class="vc-card-title"><strong>${escapeHtml(card.title)}</strong></p>` : '',
    card.text ? `<p class="vc-card-text">${escapeHtml(card.text)}</p>` : '',
    card.links.length
      ? `<p class="vc-card-links">${card.links
          .map((l) => `<a class="vc-card-link" href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a>`)
          .join('')}</p>`
      : '',
    '</div>',
  ].join('')
  return sanitizeHtml(html, opts.images)
}

/** `image`/`file` parts: `{url, name}`. */
function renderMedia(kind: 'image' | 'file', data: unknown, opts: PartsOptions): string {
  const o = asObject(data) ?? {}
  const url = urlAt(o, ['url', 'file_url', 'image_url'])
  const name = stringAt(o, ['name', 'file_name'])
  if (!url) return name ? sanitizeHtml(`<p>${escapeHtml(name)}</p>`) : ''
  if (kind === 'image')
    return sanitizeHtml(`<p><img src="${escapeHtml(url)}" alt="${escapeHtml(name ?? '')}"></p>`, opts.images)
  return sanitizeHtml(
    `<p><a href="${escapeHtml(url)}">${escapeHtml(name ?? opts.fileLabel)}</a></p>`,
    opts.images,
  )
}

/** One part's sanitised HTML. */
export function renderPart(part: AnswerPart, opts: PartsOptions): string {
  switch (part.kind) {
    case 'text':
      return part.text ? renderMarkdown(part.text, opts) : ''
    case 'card':
      return renderCard(part.data, opts)
    case 'image':
    case 'file':
      return renderMedia(part.kind, part.data, opts)
  }
}

/**
 * The whole answer: each part its own block, so a second text answer starts a new paragraph and an
 * unclosed code fence in one part cannot swallow the next.
 */
export const renderParts = (parts: readonly AnswerPart[], opts: PartsOptions): string =>
  parts.map((p) => renderPart(p, opts)).join('')
