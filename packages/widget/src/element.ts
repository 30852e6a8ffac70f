/**
 * `<volcano-chat>`: the root SFC as a custom element with a Shadow DOM. Every SFC is `*.ce.vue`, so
 * the children's CSS is injected into the same shadow root (vuejs/core#4662).
 */
import { defineCustomElement } from 'vue'
import VolcanoChat from './VolcanoChat.ce.vue'
import { DEFAULTS_KEY, type WidgetDefaults } from './settings'

export interface RegisterOptions {
  /** CSP nonce put on every `<style>` the element injects. */
  nonce?: string
  /** Values for settings the element's own attributes leave out (e.g. from the script's `data-*`). */
  defaults?: WidgetDefaults
}

const define = (opts: RegisterOptions) =>
  defineCustomElement(VolcanoChat, {
    nonce: opts.nonce,
    configureApp: (app) => app.provide(DEFAULTS_KEY, opts.defaults ?? {}),
  })

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
