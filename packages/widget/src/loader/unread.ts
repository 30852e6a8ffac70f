/**
 * The unread count (answers that ended while the panel was closed), kept for the tab in
 * `sessionStorage` so the launcher still shows it on the site's next page, before the app is loaded
 * there. Plain code: the loader and the app both use it.
 */
const key = (tag: string) => `volcano-chat:unread:${tag}`

export function readUnread(tag: string): number {
  try {
    const n = Number(sessionStorage.getItem(key(tag)))
    return Number.isInteger(n) && n > 0 ? n : 0
  } catch {
    return 0 // storage blocked (sandboxed frame, privacy settings): this page's count only
  }
}

export function writeUnread(tag: string, n: number): void {
  try {
    if (n > 0) sessionStorage.setItem(key(tag), String(n))
    else sessionStorage.removeItem(key(tag))
  } catch {
    // as above
  }
}

/** What the badge shows. */
export const badgeText = (n: number) => (n > 99 ? '99+' : String(n))
