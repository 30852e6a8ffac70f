/**
 * Stand-in for `entities`' `decodeHTMLStrict`, the one function markdown-it takes from it (aliased in
 * vite.config.ts / vitest.config.ts). The browser already knows every named entity; the full table
 * would add ~17 kB gzip to the script-tag bundle.
 */
const NAMED = /^&[a-z][a-z0-9]{1,31};$/i
let box: HTMLTextAreaElement | undefined

/** @example decodeHTMLStrict('&copy;') // '©' */
export function decodeHTMLStrict(entity: string): string {
  // Only a bare entity reaches the parser, and a <textarea> parses its content as text (RCDATA).
  if (!NAMED.test(entity)) return entity
  box ??= document.createElement('textarea')
  box.innerHTML = entity
  return box.value
}
