/**
 * Attachments (SPEC §2.4 `POST /api/chat/files`, issue 21): an upload is typed by its bytes, sent to
 * Coze's file API, and recorded with its owner; an image keeps its bytes here too, because Coze has no
 * download API and history must show it again. A send names uploads by the service's own id, and only
 * the owner's count (404 otherwise, like messages).
 */
import { randomUUID } from 'node:crypto'
import type { CozeClient } from '../../core/coze/client'
import { VcError } from '../../core/errors'
import { failureOf, httpError } from '../outcome'
import type { Attachment, FileRepository, FileRow } from '../../store/types'
import type { SendAttachment } from '../../core/wire'
import { extensionOf, sniff } from './sniff'
import type { SessionUser } from '../../core/session-user'

export interface FilesDeps {
  store: FileRepository
  coze: Pick<CozeClient, 'uploadFile'>
  now?: () => number
}

/** An attachment as the relay needs it: what history shows, and the id Coze knows it by. */
export type ResolvedAttachment = SendAttachment

export function createFiles(d: FilesDeps) {
  const now = d.now ?? Date.now

  return {
    /**
     * Types, uploads and records one file; 415 for a type not accepted.
     *
     * @example
     * await files.upload(user, { bytes, name: 'image.png' }) // { fileId, name, kind: 'image', mime: 'image/png', bytes: 68 }
     */
    async upload(user: SessionUser, file: { bytes: Buffer; name: string }): Promise<Attachment> {
      const type = sniff(file.bytes, file.name)
      if (!type) throw new VcError('VC_ERR_FILE_TYPE_NOT_ALLOWED')
      const name = cleanName(file.name, type.ext)
      // Coze refuses a name whose extension does not match the content (4000), e.g. a JPEG named .png.
      const cozeName = extensionOf(name) === type.ext ? name : `${name.replace(/\.[^.]*$/, '')}.${type.ext}`
      const uploaded = await d.coze
        .uploadFile({ bytes: file.bytes, name: cozeName, mime: type.mime })
        .catch((err: unknown) => {
          throw httpError(failureOf(err))
        })
      const row: FileRow = {
        fileId: randomUUID(),
        userId: user.userId,
        cozeFileId: uploaded.id,
        name,
        mime: type.mime,
        kind: type.kind,
        bytes: file.bytes.length,
        createdAt: now(),
        content: type.kind === 'image' ? file.bytes : null,
      }
      await d.store.insertFile(row)
      return { fileId: row.fileId, name, kind: row.kind, mime: row.mime, bytes: row.bytes }
    },

    /** The bytes of one of the user's images; 404 for anything else (documents keep none). */
    async image(user: SessionUser, fileId: string): Promise<{ mime: string; content: Buffer }> {
      const row = await d.store.getFileContent(user.userId, fileId)
      if (!row || row.kind !== 'image' || !row.content) throw new VcError('VC_ERR_FILE_NOT_FOUND')
      return { mime: row.mime, content: row.content }
    },

    /** A send's `attachments`, in the order given; 404 naming the first that is not the user's upload. */
    async resolve(user: SessionUser, refs: readonly { fileId: string }[]): Promise<ResolvedAttachment[]> {
      if (refs.length === 0) return []
      const rows = new Map(
        (await d.store.getFiles(user.userId, [...new Set(refs.map((r) => r.fileId))])).map((r) => [
          r.fileId,
          r,
        ]),
      )
      return refs.map(({ fileId }) => {
        const row = rows.get(fileId)
        if (!row) throw new VcError('VC_ERR_FILE_NOT_FOUND', undefined, { fileId })
        const { name, kind, mime, bytes, cozeFileId } = row
        return { fileId, name, kind, mime, bytes, cozeFileId }
      })
    },
  }
}

export type Files = ReturnType<typeof createFiles>

/** The file's own name without a path or control characters, at most 255 characters; a default if none. */
function cleanName(raw: string, ext: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const base = (raw.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim()
  const name = [...(base || `file.${ext}`)]
  return name.length <= 255 ? name.join('') : [...name.slice(0, 250 - ext.length), '.', ...ext].join('')
}
