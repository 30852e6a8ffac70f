/**
 * The public settings: primitive props that also work as attributes (`api-base`, `open` …), parsed
 * with their defaults in one place. Anything a page author can type lands here as a string.
 */
import type { ComputedRef, InjectionKey } from 'vue'
import { parseWelcomeQuestions } from './state/welcome'

export type Locale = 'zh-CN' | 'en'
export type Position = 'bottom-right' | 'bottom-left'
export type Feature = 'cancel' | 'voice'
/** `confirm`: the transcript waits in the input for Send; `release`: it is sent when recording stops. */
export type VoiceSend = 'confirm' | 'release'
/** `auto` follows the system (`prefers-color-scheme`). */
export type ColorScheme = 'light' | 'dark' | 'auto'

/** The primitive settings, also the `data-*` names `embed.ts` reads from its script tag. */
export const SETTING_KEYS = [
  'apiBase',
  'token',
  'title',
  'locale',
  'primaryColor',
  'accentColor',
  'theme',
  'position',
  'open',
  'features',
  'voiceSend',
  'imageOrigins',
  'welcomeText',
  'welcomeQuestions',
  'attachments',
] as const
export type SettingKey = (typeof SETTING_KEYS)[number]

/** Per registration (`register(tag, { defaults })`): used where the element's own value is absent. */
export type WidgetDefaults = Partial<Record<SettingKey, string>>

export const DEFAULTS_KEY: InjectionKey<WidgetDefaults> = Symbol('vc-defaults')

/** `Settings.imageOrigins`, from the root to the answers (render/safe-html.ts). */
export const IMAGE_ORIGINS_KEY: InjectionKey<ComputedRef<ReadonlySet<string>>> = Symbol('vc-image-origins')

export type RawSettings = Partial<Record<SettingKey, unknown>>

export interface Settings {
  /** '' means the page's own origin. */
  apiBase: string
  token: string
  /** '' means the locale's default title. */
  title: string
  locale: Locale
  /** `--vc-*` custom properties for the colours given; the rest keep the stylesheet's defaults. */
  theme: Record<string, string>
  /** From the `theme` attribute; the element carries it as `data-vc-theme` for styles/host.css. */
  scheme: ColorScheme
  position: Position
  open: boolean
  features: ReadonlySet<Feature>
  voiceSend: VoiceSend
  /** https origins whose images in answers load at once; others wait for a click (issue 20 #4). */
  imageOrigins: ReadonlySet<string>
  /** The host's welcome (Markdown) instead of the bot's prologue; '' = the bot's. */
  welcomeText: string
  /** The host's preset questions (a JSON array) instead of the bot's; undefined = the bot's. */
  welcomeQuestions?: string[]
  /** Images and files in the composer (`attachments="off"` turns them off). */
  attachments: boolean
}

const FEATURES: readonly Feature[] = ['cancel', 'voice']

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '')

/** Hex, rgb()/hsl() or a named colour: enough for theming, nothing that could load a URL. */
const COLOR = /^(#[0-9a-f]{3,8}|(rgb|rgba|hsl|hsla)\([\d\s.,%/]+\)|[a-z]{3,20})$/i

/**
 * The element's own value wins; an absent one (undefined, or '' from an empty attribute) takes the
 * registration default, then the built-in default.
 * @example parseSettings({ locale: 'en', open: true }, { title: 'Help' }).title // 'Help'
 */
export function parseSettings(props: RawSettings, defaults: WidgetDefaults = {}): Settings {
  const raw: RawSettings = {}
  for (const key of SETTING_KEYS) {
    const own = props[key]
    raw[key] = own === undefined || own === null || own === '' ? defaults[key] : own
  }
  return {
    apiBase: parseApiBase(str(raw.apiBase)),
    token: str(raw.token),
    title: str(raw.title),
    locale: parseLocale(raw.locale),
    theme: parseTheme(raw),
    scheme: parseScheme(raw.theme),
    position: str(raw.position) === 'bottom-left' ? 'bottom-left' : 'bottom-right',
    open: parseBoolean(raw.open),
    // The stop button is on unless the host lists features without it (e.g. features="none"). Voice is
    // opt-in (features="cancel voice"): it asks for the microphone, spends the per-user audio budget, and
    // needs the host's CSP (connect-src wss:) and, in an iframe, Permissions-Policy `microphone`.
    features: new Set(
      str(raw.features ?? 'cancel')
        .split(/[\s,]+/)
        .filter((f): f is Feature => (FEATURES as readonly string[]).includes(f)),
    ),
    voiceSend: str(raw.voiceSend).toLowerCase() === 'release' ? 'release' : 'confirm',
    imageOrigins: parseImageOrigins(raw.imageOrigins),
    welcomeText: str(raw.welcomeText),
    welcomeQuestions: parseWelcomeQuestions(raw.welcomeQuestions),
    attachments: parseAttachments(raw.attachments),
  }
}

/**
 * `image-origins="https://cdn.example.com https://img.example.org"`: exact https origins (a trailing
 * slash is fine); anything else, a path or `*` included, is ignored, so a typo blocks rather than opens.
 * @example parseImageOrigins('https://cdn.example.com/ http://x.example').has('https://cdn.example.com') // true
 */
export function parseImageOrigins(v: unknown): ReadonlySet<string> {
  const origins = new Set<string>()
  for (const item of str(v).split(/[\s,]+/)) {
    try {
      const url = new URL(item)
      if (url.protocol === 'https:' && `${url.origin}/` === url.href.replace(/\/?$/, '/'))
        origins.add(url.origin)
    } catch {
      // not an absolute URL: ignored
    }
  }
  return origins
}

export function parseLocale(v: unknown): Locale {
  const s = str(v).toLowerCase()
  return s === 'en' || s.startsWith('en-') ? 'en' : 'zh-CN'
}

/** Vue casts a bare attribute to true; `open="false"` and `open="0"` mean closed. */
export function parseBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v
  if (typeof v !== 'string') return false
  return !['false', '0', 'no', 'off'].includes(v.trim().toLowerCase())
}

/**
 * `attachments="off"` turns off images and files in the composer (issue 21); on by default (also as
 * `data-attachments` on the script tag, like every setting).
 * @example parseAttachments('off') // false
 */
export function parseAttachments(v: unknown): boolean {
  return !['off', 'false', '0', 'no', 'none'].includes(str(v).toLowerCase())
}

/** `light`, `dark`, anything else `auto`. */
export function parseScheme(v: unknown): ColorScheme {
  const s = str(v).toLowerCase()
  return s === 'light' || s === 'dark' ? s : 'auto'
}

export function parseColor(v: unknown): string | undefined {
  const s = str(v)
  return COLOR.test(s) ? s : undefined
}

/** Text on the primary colour is black or white, whichever contrasts more with it. */
export function parseTheme(raw: Pick<RawSettings, 'primaryColor' | 'accentColor'>): Record<string, string> {
  const theme: Record<string, string> = {}
  const primary = parseColor(raw.primaryColor)
  const accent = parseColor(raw.accentColor)
  if (primary) {
    theme['--vc-primary'] = primary
    theme['--vc-on-primary'] = textOn(primary)
  }
  if (accent) theme['--vc-accent'] = accent
  return theme
}

/** Only http(s) bases; a trailing slash is dropped. */
export function parseApiBase(v: string): string {
  if (!v) return ''
  try {
    const url = new URL(v)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href.replace(/\/+$/, '') : ''
  } catch {
    return '' // not an absolute URL: fall back to the page's origin
  }
}

/** '#fff' on dark colours, '#111' on light ones (WCAG 2.x relative luminance); non-hex get white. */
export function textOn(color: string): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color)?.[1]
  if (!hex) return '#fff'
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(full.slice(i, i + 2), 16) / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
  // Contrast with white (1.05 / (L+0.05)) against black ((L+0.05) / 0.05): pick the larger.
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05 ? '#fff' : '#111'
}
