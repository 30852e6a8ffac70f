/**
 * What the widget checks before it uploads: only hints that save a pointless upload. The service
 * decides (it reads the bytes, and its size cap is configurable): anything the hints cannot rule out
 * goes up and its answer stands.
 */

/** The service's default cap (`FILES_MAX_BYTES`); bigger uploads are cut off mid-request. */
export const MAX_BYTES_HINT = 10 * 1024 * 1024

/** Raster images the service accepts; only these get a local preview. */
export const IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
])

const FILE_TYPES = new Set([
  'application/pdf',
  'text/plain',
  'text/markdown',
  'text/csv',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
])

const EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'pdf',
  'txt',
  'md',
  'csv',
  'docx',
  'xlsx',
  'pptx',
])

/** For the file picker's `accept` (a hint to the dialog, not a check). */
export const ACCEPT = [...IMAGE_TYPES, ...FILE_TYPES, ...[...EXTENSIONS].map((e) => `.${e}`)].join(',')

export const FILE_TOO_LARGE = 'FILE_TOO_LARGE'
export const FILE_TYPE_NOT_ALLOWED = 'FILE_TYPE_NOT_ALLOWED'

const extension = (name: string) => /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? ''

/**
 * The service's code a file would surely get, or undefined when only the service can tell. A type the
 * browser does not know ('') with an unknown extension goes up: the bytes decide.
 * @example precheck({ name: 'a.exe', type: 'application/x-msdownload', size: 10 }) // 'FILE_TYPE_NOT_ALLOWED'
 */
export function precheck(file: { name: string; type: string; size: number }): string | undefined {
  if (file.size > MAX_BYTES_HINT) return FILE_TOO_LARGE
  const type = file.type.toLowerCase()
  if (IMAGE_TYPES.has(type) || FILE_TYPES.has(type) || EXTENSIONS.has(extension(file.name))) return undefined
  return type ? FILE_TYPE_NOT_ALLOWED : undefined
}
