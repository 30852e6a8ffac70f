// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { applyColorScheme, onSystemSchemeChange } from './color-scheme'

/** A system whose preference the test flips, as `matchMedia('(prefers-color-scheme: dark)')` sees it. */
function fakeSystem(dark: boolean) {
  const listeners = new Set<() => void>()
  const query = {
    get matches() {
      return dark
    },
    addEventListener: (_: string, f: () => void) => listeners.add(f),
    removeEventListener: (_: string, f: () => void) => listeners.delete(f),
  }
  vi.stubGlobal('matchMedia', () => query)
  return {
    flip() {
      dark = !dark
      listeners.forEach((f) => f())
    },
    listeners,
  }
}

describe('color scheme', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('should resolve auto from the system and keep an explicit choice', () => {
    fakeSystem(true)
    const el = document.createElement('div')
    applyColorScheme(el, 'auto')
    expect(el.getAttribute('data-vc-theme')).toBe('dark')
    applyColorScheme(el, 'light')
    expect(el.getAttribute('data-vc-theme')).toBe('light')
    applyColorScheme(el, 'dark')
    expect(el.getAttribute('data-vc-theme')).toBe('dark')
  })

  it('should follow the system while auto, until stopped', () => {
    const system = fakeSystem(false)
    const el = document.createElement('div')
    const apply = () => applyColorScheme(el, 'auto')
    apply()
    const stop = onSystemSchemeChange(apply)
    expect(el.getAttribute('data-vc-theme')).toBe('light')
    system.flip()
    expect(el.getAttribute('data-vc-theme')).toBe('dark')
    stop()
    expect(system.listeners.size).toBe(0)
  })
})
