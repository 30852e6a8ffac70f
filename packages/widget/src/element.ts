/**
 * `<volcano-chat>`: the root SFC as a custom element with a Shadow DOM. Every SFC is `*.ce.vue`, so
 * the children's CSS is injected into the same shadow root (vuejs/core#4662).
 */
import { createApp, defineCustomElement, VueElement, type App } from 'vue'
import VolcanoChat from './VolcanoChat.ce.vue'
import { DEFAULTS_KEY, type WidgetDefaults } from './settings'
import { callHost, type HostMethods } from './host-api'

export interface RegisterOptions {
  /** CSP nonce put on every `<style>` the element injects. */
  nonce?: string
  /** Values for settings the element's own attributes leave out (e.g. from the script's `data-*`). */
  defaults?: WidgetDefaults
}

const options = (opts: RegisterOptions) => ({
  nonce: opts.nonce,
  configureApp: (app: App) => app.provide(DEFAULTS_KEY, opts.defaults ?? {}),
})

const define = (opts: RegisterOptions) => withHostMethods(defineCustomElement(VolcanoChat, options(opts)))

/** Vue's custom element internals this file relies on (vuejs/core `apiCustomElement.ts`). */
interface VueInternals {
  _resolveProps(def: { props?: object }): void
  _setProp(key: string, value: unknown, shouldReflect?: boolean, shouldUpdate?: boolean): void
  _patching: boolean
}
type Internal = HTMLElement & VueInternals & Record<string, unknown>

/** `el.open()`: a method on the property the `open` setting also uses (see withHostMethods). */
function openPanel(this: Element) {
  callHost(this, (api) => api.open())
}

/**
 * The host API (host-api.ts) on Vue's element class. `open` is both the method and the setting: Vue
 * would define the setting as an own property of each element, hiding the method, so it is left out of
 * the props Vue defines, and the prototype's accessor gives the method and takes the setting
 * (`el.open = true` works as it did, and as the attribute does).
 */
function withHostMethods<C extends new (...args: never[]) => HTMLElement>(Base: C): C {
  const VueBase = Base as unknown as new () => Internal
  class WithHostMethods extends VueBase {
    close(): void {
      callHost(this, (api) => api.close())
    }
    send(text: string): Promise<boolean> {
      return new Promise((resolve) => callHost(this, (api) => resolve(api.send(text))))
    }
    newConversation(): void {
      callHost(this, (api) => api.newConversation())
    }
    override _resolveProps(def: { props?: object }) {
      const { open: _open, ...props } = (def.props ?? {}) as Record<string, unknown>
      super._resolveProps({ ...def, props })
      // Set before the upgrade, an own `open` shadows the accessor: hand it to Vue as Vue does the rest.
      if (!Object.hasOwn(this, 'open')) return
      const value = this.open
      delete this.open
      this._setProp('open', value)
    }
  }
  Object.defineProperty(WithHostMethods.prototype, 'open', {
    configurable: true,
    get: () => openPanel,
    set(this: Internal, value: unknown) {
      this._setProp('open', value, true, !this._patching)
    },
  })
  return WithHostMethods as unknown as C
}

// Vue's implementation takes the app factory as a third argument (`defineSSRCustomElement` passes
// `createSSRApp`); its typings leave it out.
const defineWithFactory = defineCustomElement as unknown as (
  component: typeof VolcanoChat,
  extra: ReturnType<typeof options>,
  factory: typeof createApp,
) => new () => HTMLElement

/**
 * For the light loader (`loader/`): the loader has already defined `<volcano-chat>` and drawn the
 * launcher in the element's shadow root; the function returned makes such an element the Vue custom
 * element in place (same node, same shadow root, same listeners). The caller then hands over the
 * properties and runs `connectedCallback` (see `loader/light-element.ts`).
 */
export function adopter(opts: RegisterOptions): (el: HTMLElement) => void {
  // Any app factory other than `createApp` itself makes Vue keep a shadow root the element already has
  // (the branch `defineSSRCustomElement` uses) instead of attaching a second one, which would throw.
  const Element = withHostMethods(
    defineWithFactory(VolcanoChat, options(opts), (...args) => createApp(...args)),
  )
  return (el) => {
    // `super()` looks its parent class up when it runs: for this one construction VueElement's parent
    // hands back `el` (a constructor that returns an object), so Vue's constructor initialises the
    // existing element instead of asking the browser for a new one.
    const parent = Object.getPrototypeOf(VueElement) as object
    Object.setPrototypeOf(VueElement, function existing() {
      return el
    })
    try {
      new Element()
    } finally {
      Object.setPrototypeOf(VueElement, parent)
    }
    Object.setPrototypeOf(el, Element.prototype)
  }
}

type VueChatElement = InstanceType<ReturnType<typeof define>>

/** `<volcano-chat>`: the settings as properties, and the host API (host-api.ts). */
export interface VolcanoChatElement extends Omit<VueChatElement, 'open'>, Omit<HostMethods, 'open'> {
  /** The method `open()`; assigned (`el.open = true`), the `open` setting, as the attribute. */
  get open(): () => void
  set open(value: boolean | string | undefined)
}

/**
 * Defines the element once; a second call (the script loaded twice) keeps the first definition.
 * @example register() // then <volcano-chat api-base="https://chat.example" token="…">
 */
export function register(tag = 'volcano-chat', opts: RegisterOptions = {}): void {
  if (typeof customElements === 'undefined' || customElements.get(tag)) return
  customElements.define(tag, define(opts))
}

declare global {
  interface HTMLElementTagNameMap {
    'volcano-chat': VolcanoChatElement
  }
}
