/**
 * The element's `data-vc-theme`, which `styles/host.css` reads: `dark` or `light`, with `auto` resolved
 * from the system's `prefers-color-scheme` here, so the dark palette is written once in CSS. Shared by
 * the widget and the loader (no Vue).
 */
import type { ColorScheme } from './settings'

const systemQuery = () =>
  typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined

/** Sets `el`'s `data-vc-theme` for `scheme`; call again when the setting or the system changes. */
export function applyColorScheme(el: Element, scheme: ColorScheme): void {
  const dark = scheme === 'auto' ? systemQuery()?.matches === true : scheme === 'dark'
  el.setAttribute('data-vc-theme', dark ? 'dark' : 'light')
}

/** Calls `onChange` whenever the system switches between light and dark; returns how to stop. */
export function onSystemSchemeChange(onChange: () => void): () => void {
  const q = systemQuery()
  q?.addEventListener('change', onChange)
  return () => q?.removeEventListener('change', onChange)
}
