/**
 * A file sent with a question (issue 21): what `POST /api/chat/files` answers and history's question
 * items carry. `fileId` is the service's own id (not Coze's); it only goes back to the service.
 */
export type AttachmentKind = 'image' | 'file'

export interface Attachment {
  fileId: string
  name: string
  kind: AttachmentKind
  mime: string
  bytes: number
}

/** At most this many per question (the service refuses a fifth). */
export const MAX_ATTACHMENTS = 4

/** One attachment from the wire, or undefined when it is not one (an older or a confused service). */
export function toAttachment(v: unknown): Attachment | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const o = v as Record<string, unknown>
  if (typeof o.fileId !== 'string' || !o.fileId) return undefined
  return {
    fileId: o.fileId,
    name: typeof o.name === 'string' && o.name ? o.name : o.fileId,
    // Anything but an image is shown as a file chip: a thumbnail is only ever asked for an image.
    kind: o.kind === 'image' ? 'image' : 'file',
    mime: typeof o.mime === 'string' ? o.mime : '',
    bytes: typeof o.bytes === 'number' && Number.isFinite(o.bytes) && o.bytes >= 0 ? o.bytes : 0,
  }
}

/**
 * History's `attachments` (absent when the question had none) → the question's attachments.
 * @example toAttachments([{ fileId: 'f1', name: 'a.png', kind: 'image', mime: 'image/png', bytes: 9 }]).length // 1
 */
export function toAttachments(v: unknown): Attachment[] {
  if (!Array.isArray(v)) return []
  return v.flatMap((x) => toAttachment(x) ?? [])
}

/** `1.2 MB`, `340 KB`, `12 B`: the size on a file chip (decimal units, one decimal under 10). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB']
  let n = bytes
  let i = 0
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000
    i++
  }
  const shown = i === 0 || n >= 10 ? Math.round(n) : Math.round(n * 10) / 10
  return `${shown} ${units[i]}`
}
