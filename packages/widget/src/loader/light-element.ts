/**
 * `<volcano-chat>` before the full widget is there: defined at once, it draws only the launcher (shadow
 * root, same look, same accessible name), keeps the properties the page sets and announces `vc-ready`.
 * The app file loads on intent: the pointer over the launcher, focus on it, a touch, a click, or `open`
 * (attribute, property or `data-open`); with `preload: 'idle'` also once the page is idle. When it
 * arrives it takes over every such element in place (element.ts `adopter`): same node, shadow root and
 * listeners; the properties are handed over; a click made while it loaded opens the panel.
 * The host API (host-api.ts) works before that: `open()`, `send(text)` and `newConversation()` load
 * the app and are performed on it once it is there, in order, once; `close()` only records closed.
 */
import { applyColorScheme, onSystemSchemeChange } from '../color-scheme'
import { parseSettings, SETTING_KEYS, type Settings, type WidgetDefaults } from '../settings'
import type { HostMethods } from '../host-api'
import { CHAT_ICON, LAUNCHER_CSS, LAUNCHER_TEXT } from './launcher'
import { LOAD_FAILED, type AppApi } from './protocol'
import { badgeText, readUnread } from './unread'

export interface LightOptions {
  /** CSP nonce for the launcher's `<style>` (and, through the app, every other one). */
  nonce?: string
  /** From the script's `data-*`, as `register()` takes them. */
  defaults: WidgetDefaults
  /** One attempt to fetch the app file. */
  load: () => Promise<AppApi>
  /** `intent` (default): load when the user reaches for the launcher; `idle`: also when the page is idle. */
  preload?: 'intent' | 'idle'
}

/** The loader keeps these until the app takes them; `title` stays HTMLElement's own (an attribute). */
const PROPS: readonly string[] = [...SETTING_KEYS.filter((k) => k !== 'title'), 'tokenProvider']
/** The settings the launcher itself shows. */
const OBSERVED = ['open', 'locale', 'position', 'primary-color', 'theme']

const hyphenate = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

interface State {
  props: Map<string, unknown>
  adopted: boolean
  /** vc-ready went out from the loader: the app's own one on taking over would be a second. */
  announced: boolean
  /** Host API calls and launcher clicks made before the app was there, for the app, in order. */
  calls: Call[]
  failed: boolean
  style?: HTMLStyleElement
  root?: HTMLDivElement
  button?: HTMLButtonElement
  badge?: HTMLSpanElement
}

/** A method of the app element to call, with its arguments and, for `send`, where its result goes. */
type Call = ['open' | 'close' | 'newConversation'] | ['send', string, (sent: boolean) => void]

type Callbacks = HTMLElement & { connectedCallback(): void; disconnectedCallback(): void }

/**
 * Defines `tag` as the light element; a second call (the loader twice on a page) keeps the first.
 * @example defineLightElement('volcano-chat', { defaults: {}, load: () => loadApp(url, nonce) })
 */
export function defineLightElement(tag: string, opts: LightOptions): void {
  if (typeof customElements === 'undefined' || customElements.get(tag)) return
  const states = new WeakMap<HTMLElement, State>()
  const waiting = new Set<HTMLElement>()
  let adopt: ((el: HTMLElement) => void) | undefined
  let loading: Promise<void> | undefined

  const stateOf = (el: HTMLElement) => states.get(el)!

  function settingsOf(el: HTMLElement): Settings {
    const s = stateOf(el)
    const raw = Object.fromEntries(
      SETTING_KEYS.map((k) => [k, s.props.has(k) ? s.props.get(k) : el.getAttribute(hyphenate(k))]),
    )
    // Vue casts a bare `open` attribute to true before the settings see it (a Boolean prop).
    if (raw.open === '') raw.open = true
    return parseSettings(raw, opts.defaults)
  }

  function load(): Promise<void> {
    loading ??= opts.load().then(
      (api) => {
        adopt = api.adopter({ nonce: opts.nonce, defaults: opts.defaults })
        for (const el of waiting) takeOver(el)
      },
      (err: unknown) => {
        loading = undefined // the next click tries again
        for (const el of waiting) fail(el, err)
      },
    )
    for (const el of waiting) {
      stateOf(el).failed = false
      if (el.isConnected) draw(el)
    }
    return loading
  }

  /** A host API call or a click: kept for the app; anything but `close` loads it. */
  function call(el: HTMLElement, c: Call) {
    const s = stateOf(el)
    if (c[0] !== 'open' || s.calls.at(-1)?.[0] !== 'open') s.calls.push(c) // press + click: one open
    if (c[0] !== 'close') void load()
    if (el.isConnected) draw(el)
  }

  function fail(el: HTMLElement, err: unknown) {
    const s = stateOf(el)
    s.failed = true
    // The host hears of it (vc-error, and false from send); a retry does not replay its calls.
    for (const c of s.calls.splice(0)) if (c[0] === 'send') c[2](false)
    if (!el.isConnected) return
    draw(el)
    const message = err instanceof Error ? err.message : String(err)
    el.dispatchEvent(new CustomEvent('vc-error', { detail: [{ code: LOAD_FAILED, message, status: 0 }] }))
  }

  function takeOver(el: HTMLElement) {
    const s = stateOf(el)
    waiting.delete(el)
    const hadFocus = !!s.button && el.shadowRoot?.activeElement === s.button
    adopt!(el)
    s.adopted = true
    // Own properties, as if set before an upgrade: Vue applies them after the attributes, as it does then.
    for (const [key, value] of s.props)
      Object.defineProperty(el, key, { value, writable: true, configurable: true, enumerable: true })
    if (el.isConnected) {
      if (s.announced) withoutReady(el, () => (el as Callbacks).connectedCallback())
      else (el as Callbacks).connectedCallback()
    }
    // Vue drew its launcher in the same task, over this one: nothing is painted in between.
    s.style?.remove()
    s.root?.remove()
    if (hadFocus) el.shadowRoot?.querySelector<HTMLButtonElement>('.vc-launcher')?.focus()
    // The app element's own methods now (element.ts); they wait for its mount if it is not connected.
    const app = el as unknown as HostMethods
    for (const [name, text, done] of s.calls.splice(0))
      if (name === 'send') void app.send(text).then(done)
      else app[name]()
  }

  function draw(el: HTMLElement) {
    const s = stateOf(el)
    const settings = settingsOf(el)
    if (!s.button) {
      const style = document.createElement('style')
      if (opts.nonce) style.setAttribute('nonce', opts.nonce)
      style.textContent = LAUNCHER_CSS
      const button = document.createElement('button')
      button.type = 'button'
      button.className = 'vc-launcher'
      button.setAttribute('aria-expanded', 'false')
      button.innerHTML = CHAT_ICON
      // Pressed counts as asked to open: an app that arrives between press and release replaces this
      // button, and the click then lands on no button at all.
      const wantOpen = () => call(el, ['open'])
      button.addEventListener('click', wantOpen)
      button.addEventListener('pointerdown', (e) => e.button === 0 && wantOpen())
      for (const type of ['pointerenter', 'focus', 'touchstart'])
        button.addEventListener(type, () => void load(), { passive: true })
      const badge = document.createElement('span')
      badge.className = 'vc-badge'
      badge.setAttribute('aria-hidden', 'true')
      const root = document.createElement('div')
      root.append(button)
      el.shadowRoot!.append(style, root)
      Object.assign(s, { style, root, button, badge })
    }
    applyColorScheme(el, settings.scheme) // styles/host.css: dark or not
    const root = s.root!
    root.className = `vc-root vc-${settings.position}`
    root.lang = settings.locale
    root.removeAttribute('style')
    for (const [name, value] of Object.entries(settings.theme)) root.style.setProperty(name, value)
    const button = s.button!
    const text = LAUNCHER_TEXT[settings.locale]
    // Answers that ended while the panel was closed, on an earlier page of the site (loader/unread.ts).
    const unread = s.failed ? 0 : readUnread(el.localName)
    s.badge!.textContent = badgeText(unread)
    if (unread) button.append(s.badge!)
    else s.badge!.remove()
    const label = unread ? text.unread.replace('{n}', String(unread)) : text.open
    button.setAttribute('aria-label', s.failed ? text.failed : label)
    button.dataset.state = s.failed ? 'failed' : ''
    const busy = !!loading && !s.failed && opensAfter(s.calls, settings.open)
    if (busy) button.setAttribute('aria-busy', 'true')
    else button.removeAttribute('aria-busy')
  }

  class LightElement extends HTMLElement {
    static observedAttributes = OBSERVED

    constructor() {
      super()
      const s: State = { props: new Map(), adopted: false, announced: false, calls: [], failed: false }
      states.set(this, s)
      if (adopt) {
        // Created after the app arrived: the full widget at once (it reads earlier own properties itself).
        adopt(this)
        s.adopted = true
        return
      }
      this.attachShadow({ mode: 'open' })
      waiting.add(this)
      // Set on the element before this definition existed, they shadow the accessors: take them in.
      for (const key of PROPS) {
        if (!Object.hasOwn(this, key)) continue
        const value = (this as unknown as Record<string, unknown>)[key]
        delete (this as unknown as Record<string, unknown>)[key]
        ;(this as unknown as Record<string, unknown>)[key] = value
      }
    }

    // The browser keeps calling these (they were read at define()); once adopted, Vue's own run.
    connectedCallback() {
      const s = stateOf(this)
      if (s.adopted) return (Object.getPrototypeOf(this) as Callbacks).connectedCallback.call(this)
      draw(this)
      if (!s.announced) {
        s.announced = true
        this.dispatchEvent(new CustomEvent('vc-ready', { detail: [] }))
      }
      if (settingsOf(this).open) void load()
      else if (opts.preload === 'idle') whenIdle(() => void load())
    }

    disconnectedCallback() {
      if (stateOf(this).adopted) (Object.getPrototypeOf(this) as Callbacks).disconnectedCallback.call(this)
    }

    attributeChangedCallback(name: string) {
      const s = stateOf(this)
      if (s.adopted || !this.isConnected) return // Vue watches attributes with its own observer
      draw(this)
      if (name === 'open' && settingsOf(this).open) void load()
    }
  }

  // The host API, as the app element has it (element.ts): `open` is the method, and assigned the setting.
  const methods: Omit<HostMethods, 'open'> & ThisType<HTMLElement> = {
    close() {
      call(this, ['close'])
    },
    send(text) {
      return new Promise((resolve) => call(this, ['send', String(text), resolve]))
    },
    newConversation() {
      call(this, ['newConversation'])
    },
  }
  Object.assign(LightElement.prototype, methods)
  function open(this: HTMLElement) {
    call(this, ['open'])
  }

  for (const key of PROPS)
    Object.defineProperty(LightElement.prototype, key, {
      configurable: true,
      get(this: HTMLElement) {
        if (key === 'open') return open
        const s = stateOf(this)
        return s.props.has(key) ? s.props.get(key) : (this.getAttribute(hyphenate(key)) ?? undefined)
      },
      set(this: HTMLElement, value: unknown) {
        stateOf(this).props.set(key, value)
        if (!this.isConnected) return
        draw(this)
        if (key === 'open' && settingsOf(this).open) void load()
      },
    })

  customElements.define(tag, LightElement)
  // `theme="auto"` follows the system while the launcher waits for the app (which then follows it itself).
  onSystemSchemeChange(() => waiting.forEach((el) => el.isConnected && draw(el)))
}

/** Whether the panel will be open once the queued calls ran: then the launcher shows it is loading. */
function opensAfter(calls: Call[], open: boolean): boolean {
  for (const [name] of calls) if (name !== 'newConversation') open = name !== 'close'
  return open
}

/** Runs `fn` with the element's `vc-ready` events dropped (the loader announced it already). */
function withoutReady(el: HTMLElement, fn: () => void) {
  const own = el as { dispatchEvent?: (e: Event) => boolean }
  own.dispatchEvent = (e) => e.type === 'vc-ready' || EventTarget.prototype.dispatchEvent.call(el, e)
  try {
    fn()
  } finally {
    delete own.dispatchEvent
  }
}

function whenIdle(fn: () => void) {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(fn, { timeout: 2000 })
  else setTimeout(fn, 200)
}
