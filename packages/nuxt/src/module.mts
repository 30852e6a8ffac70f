/**
 * `@volcano-chat/nuxt`: registers `<VolcanoChat>` as a client-only component. On the server Nuxt renders
 * an empty placeholder in its place, so the widget (custom elements, Shadow DOM, `window`) never runs
 * during SSR and never enters the server bundle. The options reach it through the public runtime config,
 * so each can be replaced when the built app starts (`NUXT_PUBLIC_VOLCANO_CHAT_SERVICE_URL` …).
 */
import { addComponent, createResolver, defineNuxtModule } from '@nuxt/kit'
import type { ModuleOptions, PublicOptions } from './runtime/options.mjs'

export type { ModuleOptions, PublicOptions } from './runtime/options.mjs'

const KEYS = [
  'serviceUrl',
  'tokenEndpoint',
  'locale',
  'theme',
  'title',
  'primaryColor',
  'accentColor',
  'position',
  'features',
  'voiceSend',
  'imageOrigins',
  'welcomeText',
  'welcomeQuestions',
] as const satisfies readonly (keyof PublicOptions)[]

/** Strings throughout: the runtime config's env overrides only replace keys that exist. */
export function toPublicOptions(options: ModuleOptions, current: Partial<PublicOptions> = {}): PublicOptions {
  const out = {} as PublicOptions
  for (const key of KEYS) {
    const given =
      key === 'welcomeQuestions'
        ? options.welcomeQuestions && JSON.stringify(options.welcomeQuestions)
        : options[key]
    out[key] = current[key] || given || ''
  }
  return out
}

export default defineNuxtModule<ModuleOptions>({
  meta: {
    name: '@volcano-chat/nuxt',
    configKey: 'volcanoChat',
    compatibility: { nuxt: '>=3.0.0' },
  },
  defaults: { componentName: 'VolcanoChat' },
  setup(options, nuxt) {
    const { resolve } = createResolver(import.meta.url)
    const pub = nuxt.options.runtimeConfig.public as Record<string, unknown>
    pub.volcanoChat = toPublicOptions(options, pub.volcanoChat as Partial<PublicOptions> | undefined)
    addComponent({
      name: options.componentName ?? 'VolcanoChat',
      filePath: resolve('./runtime/component'),
      mode: 'client',
    })
  },
})
