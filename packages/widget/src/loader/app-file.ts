/**
 * Loads the app file with a `<script>` element, not `import()`: the app is an IIFE, and a script
 * element carries the loader's CSP nonce, so a nonce-only `script-src` lets it through too.
 */
import { APP_GLOBAL, type AppApi } from './protocol'

/** One attempt: resolves with the app's exports, rejects when the file fails or defines nothing. */
export function loadApp(src: string, nonce: string | undefined): Promise<AppApi> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = src
    if (nonce) script.nonce = nonce
    script.onload = () => {
      const api = (window as unknown as Record<string, AppApi | undefined>)[APP_GLOBAL]
      if (api && typeof api.adopter === 'function') resolve(api)
      else reject(new Error(`${src} did not define ${APP_GLOBAL}`))
    }
    script.onerror = () => {
      script.remove() // a retry adds a fresh element
      reject(new Error(`could not load ${src}`))
    }
    document.head.append(script)
  })
}
