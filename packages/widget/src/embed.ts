/**
 * Script-tag entry (`dist/volcano-chat.js`, an IIFE):
 *   <script src="https://chat.example/widget/volcano-chat.js" data-locale="en" defer></script>
 * Its `data-*` become defaults for every `<volcano-chat>` on the page, its `nonce` goes on the
 * widget's `<style>` elements, and the service it came from is the default `api-base`.
 */
import type { LanguageFn } from 'highlight.js'
import { register } from './element'
import { setLanguageLoader } from './render/highlight'
import { SETTING_KEYS, type WidgetDefaults } from './settings'

const script = document.currentScript as HTMLScriptElement | null
const data = script?.dataset ?? {}
const src = script?.src ? new URL(script.src) : null

if (src) {
  // An IIFE cannot code-split: languages are ES modules built beside it, imported on first use.
  const base = new URL('.', src)
  setLanguageLoader(async (name) => {
    const url = new URL(`lang/${name}.js`, base).href
    return ((await import(/* @vite-ignore */ url)) as { default: LanguageFn }).default
  })
}

const defaults: WidgetDefaults = { apiBase: src?.origin }
for (const key of SETTING_KEYS) {
  const value = data[key]
  if (value !== undefined) defaults[key] = value
}

const tag = data.tag || 'volcano-chat'
register(tag, { nonce: script?.nonce || undefined, defaults })

// `data-mount`: the page has no element of its own, so add one.
if (data.mount !== undefined && !document.querySelector(tag)) {
  const mount = () => document.body.append(document.createElement(tag))
  if (document.body) mount()
  else document.addEventListener('DOMContentLoaded', mount, { once: true })
}
