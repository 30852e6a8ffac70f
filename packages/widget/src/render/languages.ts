/** highlight.js languages shipped lazily (file names under `dist/lang/`); read by the build too. */
export const LANGUAGES = [
  'bash',
  'css',
  'java',
  'javascript',
  'json',
  'python',
  'sql',
  'typescript',
  'xml',
  'yaml',
] as const
export type Language = (typeof LANGUAGES)[number]
