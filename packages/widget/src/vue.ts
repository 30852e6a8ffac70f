/**
 * Vue/Nuxt entry: a thin component that renders `<volcano-chat>`, so the widget has one CSS path (the
 * shadow root) whichever way it is loaded. Listeners such as `@vc-message` fall through to the element.
 *
 * @example
 * import { VolcanoChat } from '@volcano-chat/widget'
 * // <VolcanoChat api-base="https://chat.example" :token="token" :token-provider="refresh" @vc-error="onError" />
 */
import { defineComponent, h, type PropType } from 'vue'
import { register } from './element'
import { setLanguageLoader } from './render/highlight'
import type { Language } from './render/languages'
import type { TokenProvider } from './state/token'

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
    /** https origins whose answer images load at once (README "Widget"); default none. */
    imageOrigins: String,
    /** The welcome's text (Markdown) and preset questions (a JSON array), instead of the bot's. */
    welcomeText: String,
    welcomeQuestions: String,
    tokenProvider: Function as PropType<TokenProvider>,
  },
  setup(props) {
    setLanguageLoader(async (name) => (await languages[name]()).default)
    register()
    return () => {
      // Only the props given: an absent one must stay absent on the element, not become "undefined".
      const given = Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined))
      return h('volcano-chat', given)
    }
  },
})

export { register } from './element'
export type { VolcanoChatElement, RegisterOptions } from './element'
export type { TokenProvider } from './state/token'
export * from './events'
export default VolcanoChat
