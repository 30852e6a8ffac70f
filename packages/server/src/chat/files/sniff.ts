/**
 * What an upload is, decided by its bytes (magic numbers), never by the client's Content-Type: a
 * renamed program stays a program. Office documents are zip files, so for them the extension says which
 * one and the zip must hold that format's own folder; plain text must be valid UTF-8 with a text extension.
 */
import type { FileKind } from '../../store/types'

export interface Sniffed {
  mime: string
  kind: FileKind
  /** The extension Coze expects for it (Coze refuses a name whose extension does not match the content). */
  ext: string
}

const startsWith = (b: Uint8Array, magic: number[], at = 0) =>
  b.length >= at + magic.length && magic.every((v, i) => b[at + i] === v)
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0))

const IMAGES: { magic: number[]; at?: number; also?: { magic: number[]; at: number }; sniffed: Sniffed }[] = [
  { magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], sniffed: image('image/png', 'png') },
  { magic: [0xff, 0xd8, 0xff], sniffed: image('image/jpeg', 'jpg') },
  { magic: ascii('GIF87a'), sniffed: image('image/gif', 'gif') },
  { magic: ascii('GIF89a'), sniffed: image('image/gif', 'gif') },
  { magic: ascii('RIFF'), also: { magic: ascii('WEBP'), at: 8 }, sniffed: image('image/webp', 'webp') },
]

function image(mime: string, ext: string): Sniffed {
  return { mime, kind: 'image', ext }
}

const OFFICE: Record<string, { mime: string; folder: string }> = {
  docx: { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', folder: 'word/' },
  xlsx: { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', folder: 'xl/' },
  pptx: { mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', folder: 'ppt/' },
}

const TEXT: Record<string, string> = { txt: 'text/plain', md: 'text/markdown', csv: 'text/csv' }

const ZIP = [0x50, 0x4b, 0x03, 0x04]
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** The lower-case extension of a file name, '' when none. */
export const extensionOf = (name: string) => /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase() ?? ''

/**
 * The accepted type of `bytes` named `name`, or undefined when it is none of them.
 *
 * @example
 * sniff(pngBytes, 'clipboard.bin') // { mime: 'image/png', kind: 'image', ext: 'png' }
 * sniff(exeBytes, 'cat.png') // undefined
 */
export function sniff(bytes: Uint8Array, name: string): Sniffed | undefined {
  for (const i of IMAGES) {
    if (startsWith(bytes, i.magic) && (!i.also || startsWith(bytes, i.also.magic, i.also.at)))
      return i.sniffed
  }
  if (startsWith(bytes, ascii('%PDF-'))) return { mime: 'application/pdf', kind: 'file', ext: 'pdf' }
  const ext = extensionOf(name)
  const office = OFFICE[ext]
  if (office) {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    // Entry names are stored plainly in a zip: an OOXML file always has these two.
    const isOffice = startsWith(bytes, ZIP) && b.includes('[Content_Types].xml') && b.includes(office.folder)
    return isOffice ? { mime: office.mime, kind: 'file', ext } : undefined
  }
  const text = TEXT[ext]
  if (text && isText(bytes)) return { mime: text, kind: 'file', ext }
  return undefined
}

/** Valid UTF-8 without NUL bytes (binary files are full of them). */
function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false
  try {
    utf8.decode(bytes)
    return true
  } catch {
    return false
  }
}
