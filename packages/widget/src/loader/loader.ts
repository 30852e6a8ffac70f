/**
 * Script-tag entry (`dist/volcano-chat.js`, an IIFE of a few kB), the documented embed:
 *   <script src="https://chat.example/widget/volcano-chat.js" data-locale="en" defer></script>
 * It defines `<volcano-chat>` at once with only the launcher, and fetches the rest of the widget
 * (`volcano-chat.app.js`, beside this file) when the user reaches for it (light-element.ts).
 * Its `data-*` become defaults for every `<volcano-chat>` on the page, its `nonce` goes on the widget's
 * `<style>` elements and on the app's `<script>`, and the service it came from is the default `api-base`.
 */
import { SETTING_KEYS, type WidgetDefaults } from '../settings'
import { loadApp } from './app-file'
import { defineLightElement } from './light-element'
import { APP_FILE } from './protocol'

const script = document.currentScript as HTMLScriptElement | null
const data = script?.dataset ?? {}
const src = script?.src ? new URL(script.src) : null

const defaults: WidgetDefaults = { apiBase: src?.origin }
for (const key of SETTING_KEYS) {
  const value = data[key]
  if (value !== undefined) defaults[key] = value
}

const tag = data.tag || 'volcano-chat'
const nonce = script?.nonce || undefined
// Relative to this script, so the widget works from any origin and path it is served from.
const appUrl = src && new URL(APP_FILE, src).href
defineLightElement(tag, {
  nonce,
  defaults,
  preload: data.preload === 'idle' ? 'idle' : 'intent',
  load: () =>
    appUrl ? loadApp(appUrl, nonce) : Promise.reject(new Error(`no script URL to find ${APP_FILE} from`)),
})

// `data-mount`: the page has no element of its own, so add one.
if (data.mount !== undefined && !document.querySelector(tag)) {
  const mount = () => document.body.append(document.createElement(tag))
  if (document.body) mount()
  else document.addEventListener('DOMContentLoaded', mount, { once: true })
}
