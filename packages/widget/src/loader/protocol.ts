/**
 * What the loader (`volcano-chat.js`) and the app file (`volcano-chat.app.js`) agree on. Types and
 * constants only: the loader must not pull the app's code in.
 */
import type { RegisterOptions } from '../element'

/** Beside the loader, wherever it is served from (the loader resolves it against its own URL). */
export const APP_FILE = 'volcano-chat.app.js'

/** The app file is an IIFE; this is the global its exports land in (vite.config.ts `name`). */
export const APP_GLOBAL = 'VolcanoChatApp'

export interface AppApi {
  /** Returns the function that turns a loader element into the full widget (element.ts `adopter`). */
  adopter(opts: RegisterOptions): (el: HTMLElement) => void
}

/** `vc-error` code when the app file does not arrive (network, 404, CSP). */
export const LOAD_FAILED = 'WIDGET_LOAD_FAILED'
