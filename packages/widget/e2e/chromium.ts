/**
 * The one way every browser test starts Chromium: Debian's `/usr/bin/chromium` (never a downloaded
 * build), headless, with the background networking a closed machine refuses switched off.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

/**
 * Each launch gets a fresh temporary profile (user-data dir) from Playwright, removed on close.
 * `extraArgs` go after the shared ones (e.g. the fake microphone switches of the voice flows).
 */
export const launchChromium = (extraArgs: readonly string[] = []): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  })
