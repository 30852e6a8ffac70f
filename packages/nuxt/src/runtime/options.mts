/**
 * The module's options (`volcanoChat` in nuxt.config), shared by the module and its runtime component.
 * They mirror the widget's settings (packages/widget README "Settings"); every one is optional.
 */
export interface ModuleOptions {
  /** The Chat Service's base URL (the widget's `api-base`); default the page's own origin. */
  serviceUrl?: string
  /**
   * A same-origin endpoint of your site that answers `POST` with `{ "token": "…" }` for the signed-in
   * visitor (your backend gets it from the Chat Service, e.g. with `@volcano-chat/client`). Used for the
   * first token when the component has no `token`, and again whenever the service says it expired.
   */
  tokenEndpoint?: string
  locale?: 'zh-CN' | 'en'
  /** `light`, `dark` or `auto` (the system's `prefers-color-scheme`). */
  theme?: 'light' | 'dark' | 'auto'
  title?: string
  primaryColor?: string
  accentColor?: string
  position?: 'bottom-right' | 'bottom-left'
  /** Space-separated optional parts: `cancel` (default), `voice`, or `none`. */
  features?: string
  /** `confirm` (default): a voice transcript waits for Send; `release`: it is sent when recording stops. */
  voiceSend?: 'confirm' | 'release'
  /** Space-separated https origins whose answer images load at once. */
  imageOrigins?: string
  /** Markdown shown while the conversation is empty, instead of the bot's prologue. */
  welcomeText?: string
  /** Preset questions under the welcome, instead of the bot's. */
  welcomeQuestions?: string[]
  /** The component's name in templates; default `VolcanoChat`. */
  componentName?: string
}

/**
 * What the module puts in `runtimeConfig.public.volcanoChat`: every key present (a `''` when unset) so
 * each can be set at run time, e.g. `NUXT_PUBLIC_VOLCANO_CHAT_SERVICE_URL=https://chat.example`.
 */
export type PublicOptions = Record<Exclude<keyof ModuleOptions, 'componentName'>, string>
