/**
 * `<volcano-chat>`: the root SFC as a custom element with a Shadow DOM. Every SFC is `*.ce.vue`, so
 * the children's CSS is injected into the same shadow root (vuejs/core#4662).
 */
import { createApp, defineCustomElement, VueElement, type App } from 'vue'
import VolcanoChat from './VolcanoChat.ce.vue'
import { DEFAULTS_KEY, type WidgetDefaults } from './settings'

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

const define = (opts: RegisterOptions) => defineCustomElement(VolcanoChat, options(opts))

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
  const Element = defineWithFactory(VolcanoChat, options(opts), (...args) => createApp(...args))
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

export type VolcanoChatElement = InstanceType<ReturnType<typeof define>>

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
