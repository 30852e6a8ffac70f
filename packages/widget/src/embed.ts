/**
 * The app file (`dist/volcano-chat.app.js`, an IIFE): Vue, the widget, markdown-it, DOMPurify,
 * highlight.js core. The loader (`loader/loader.ts`, the script tag) adds it as a `<script>` beside
 * itself the first time the widget is wanted and makes its elements the full widget with `adopter`.
 */
import type { LanguageFn } from 'highlight.js'
import { adopter as adopt } from './element'
import { setLanguageLoader } from './render/highlight'
import type { AppApi } from './loader/protocol'

const src = (document.currentScript as HTMLScriptElement | null)?.src

if (src) {
  // An IIFE cannot code-split: languages are ES modules built beside this file, imported on first use.
  const base = new URL('.', src)
  setLanguageLoader(async (name) => {
    const url = new URL(`lang/${name}.js`, base).href
    return ((await import(/* @vite-ignore */ url)) as { default: LanguageFn }).default
  })
}

export const adopter: AppApi['adopter'] = adopt
