/**
 * Vue/Nuxt entry: a thin component that renders `<volcano-chat>`, so the widget has one CSS path (the
 * shadow root) whichever way it is loaded. Its `vc-*` events carry the payload itself (the element's
 * DOM events wrap it in `detail[0]`), and a template ref has the element's methods.
 *
 * @example
 * import { VolcanoChat } from '@volcano-chat/widget'
 * // <VolcanoChat ref="chat" api-base="https://chat.example" :token="token" :token-provider="refresh" @vc-error="onError" />
 * // chat.value.send('你好')
 */
import { defineComponent, h, shallowRef, type PropType } from 'vue'
import { register, type VolcanoChatElement } from './element'
import type { VolcanoChatEmits } from './events'
import type { HostMethods } from './host-api'
import { setLanguageLoader } from './render/highlight'
import type { Language } from './render/languages'
import type { TokenProvider } from './state/token'

/** Every `vc-*` event of the element, re-emitted with `detail[0]` (the validators only type them). */
const emits: { [K in keyof VolcanoChatEmits]: (...args: VolcanoChatEmits[K]) => true } = {
  'vc-ready': () => true,
  'vc-error': () => true,
  'vc-message': () => true,
  'vc-token-expired': () => true,
  'vc-feedback': () => true,
  'vc-open': () => true,
  'vc-close': () => true,
  'vc-unread': () => true,
}

/** `vc-token-expired` → `onVcTokenExpired`, the listener prop Vue puts on the element. */
const listenerProp = (event: string) =>
  `on${event.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase())}`

// The app's bundler splits these into chunks fetched on first use.
const languages: Record<Language, () => Promise<{ default: import('highlight.js').LanguageFn }>> = {
  bash: () => import('highlight.js/lib/languages/bash'),
  css: () => import('highlight.js/lib/languages/css'),
  java: () => import('highlight.js/lib/languages/java'),
  javascript: () => import('highlight.js/lib/languages/javascript'),
  json: () => import('highlight.js/lib/languages/json'),
  python: () => import('highlight.js/lib/languages/python'),
  sql: () => import('highlight.js/lib/languages/sql'),
  typescript: () => import('highlight.js/lib/languages/typescript'),
  xml: () => import('highlight.js/lib/languages/xml'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
}

export const VolcanoChat = defineComponent({
  name: 'VolcanoChat',
  props: {
    apiBase: String,
    token: String,
    title: String,
    locale: String,
    primaryColor: String,
    accentColor: String,
    /** `light`, `dark` or `auto` (default, `prefers-color-scheme`). */
    theme: String,
    position: String,
    open: { type: [Boolean, String], default: undefined },
    features: String,
    /** `confirm` (default) or `release`: what happens to a voice transcript. */
    voiceSend: String,
    /** https origins whose answer images load at once (README "Widget"); default none. */
    imageOrigins: String,
    /** The welcome's text (Markdown) and preset questions (a JSON array), instead of the bot's. */
    welcomeText: String,
    welcomeQuestions: String,
    /** `off`: no images or files in the composer. */
    attachments: String,
    tokenProvider: Function as PropType<TokenProvider>,
  },
  emits,
  setup(props, { emit, expose }) {
    setLanguageLoader(async (name) => (await languages[name]()).default)
    register()
    const el = shallowRef<VolcanoChatElement>()
    const methods: HostMethods = {
      open: () => el.value?.open(),
      close: () => el.value?.close(),
      send: async (text) => (el.value ? el.value.send(text) : false),
      newConversation: () => el.value?.newConversation(),
    }
    expose(methods)
    const emitAny = emit as (event: string, ...args: unknown[]) => void
    const listeners = Object.fromEntries(
      Object.keys(emits).map((event) => [
        listenerProp(event),
        (e: CustomEvent<unknown[]>) => emitAny(event, ...(Array.isArray(e.detail) ? e.detail : [])),
      ]),
    )
    return () => {
      // Only the props given: an absent one must stay absent on the element, not become "undefined".
      const given = Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined))
      return h('volcano-chat', { ...given, ...listeners, ref: el })
    }
  },
})

export { register } from './element'
export type { VolcanoChatElement, RegisterOptions } from './element'
export type { TokenProvider } from './state/token'
export type { HostMethods } from './host-api'
export * from './events'
export default VolcanoChat
