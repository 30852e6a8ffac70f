/**
 * highlight.js core with a few languages loaded on first use, so the chat core stays small.
 * How a language arrives depends on the entry: the script-tag bundle imports `lang/<name>.js` beside
 * itself (an IIFE cannot code-split), the Vue entry lets the app's bundler split
 * `highlight.js/lib/languages/*`. Until a language is there, code shows as plain escaped text.
 */
import hljs from 'highlight.js/lib/core'
import type { LanguageFn } from 'highlight.js'
import { shallowRef } from 'vue'
import { LANGUAGES, type Language } from './languages'

const ALIASES: Record<string, Language> = {
  js: 'javascript',
  jsx: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  py: 'python',
  html: 'xml',
  vue: 'xml',
  svg: 'xml',
  yml: 'yaml',
}

export type LanguageLoader = (name: Language) => Promise<LanguageFn>

let loader: LanguageLoader | null = null
const pending = new Map<Language, Promise<void>>()

/** Bumped when a language arrives, so rendered Markdown re-renders with colours. */
export const languagesLoaded = shallowRef(0)

export function setLanguageLoader(next: LanguageLoader): void {
  loader = next
}

/** The fence info string's first word, if it names a language we ship; anything else is plain text. */
export function resolveLanguage(info: string): Language | undefined {
  const word = info.trim().split(/\s+/, 1)[0]?.toLowerCase() ?? ''
  if ((LANGUAGES as readonly string[]).includes(word)) return word as Language
  return Object.hasOwn(ALIASES, word) ? ALIASES[word] : undefined
}

/** Highlighted HTML (escaped by highlight.js), or undefined while the language is still loading. */
export function highlight(code: string, lang: Language): string | undefined {
  if (hljs.getLanguage(lang)) return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value
  void load(lang)
  return undefined
}

function load(lang: Language): Promise<void> {
  if (!loader) return Promise.resolve()
  let p = pending.get(lang)
  if (!p) {
    p = loader(lang).then(
      (fn) => {
        hljs.registerLanguage(lang, fn)
        languagesLoaded.value++
      },
      (err: unknown) => {
        // Plain text is a fine fallback; say why once so a missing lang/ folder gets noticed.
        console.warn(`[volcano-chat] highlighting for ${lang} unavailable:`, err)
      },
    )
    pending.set(lang, p)
  }
  return p
}
