/**
 * Markdown answer → text worth speaking: code blocks, URLs and markup characters are dropped, links keep
 * their label. Capped so one click cannot spend the whole daily audio budget.
 */
export const MAX_SPEECH_CHARS = 3000

/** @example speakable('**Hi** see [docs](https://x.y)\n\n```js\nx\n```') // 'Hi see docs' */
export function speakable(markdown: string): string {
  return markdown
    .replace(/(```|~~~)[\s\S]*?(\1|$)/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/[*_~`|#>]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_SPEECH_CHARS)
}
