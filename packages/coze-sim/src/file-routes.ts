/**
 * Files (coze-protocol.md §9 row 11, docs `upload_files`, `retrieve_files`): `POST /v1/files/upload` takes
 * multipart field `file` and answers a File `{id, bytes, created_at, file_name}` (js `resources/files`,
 * py `cozepy/files`); `GET /v1/files/retrieve?file_id=` answers the same object. Kept in memory.
 */
import { unixSeconds } from './ids'
import { ApiError, sendData } from './reply'
import { multipartFile } from './multipart'
import type { Ctx, Route } from './router'

export interface SimFile {
  id: string
  bytes: number
  created_at: number
  file_name: string
  /** Not on the wire: what was uploaded, for tests. */
  content: Buffer
  contentType: string
}

/** Coze's upload limit (doc `upload_files`). */
const MAX_FILE_BYTES = 512 * 1024 * 1024

export const fileJson = ({ id, bytes, created_at, file_name }: SimFile) => ({
  id,
  bytes,
  created_at,
  file_name,
})

export function fileRoutes(files: Map<string, SimFile>, nextId: () => string): Route[] {
  async function upload(ctx: Ctx) {
    const { name, type, bytes: content } = await multipartFile(ctx, MAX_FILE_BYTES)
    const rec: SimFile = {
      id: nextId(),
      bytes: content.length,
      created_at: unixSeconds(),
      file_name: name || 'file',
      content,
      contentType: type,
    }
    files.set(rec.id, rec)
    sendData(ctx.res, fileJson(rec))
  }

  function retrieve(ctx: Ctx) {
    const rec = files.get(ctx.url.searchParams.get('file_id') ?? '')
    // UNVERIFIED: Coze's code for an unknown file id; 4200 is its generic "resource not found" (§1.4).
    if (!rec) throw new ApiError(4200, 'The specified file does not exist')
    sendData(ctx.res, fileJson(rec))
  }

  return [
    { methods: ['POST'], path: '/v1/files/upload', auth: true, api: 'uploadFile', handle: upload },
    { methods: ['GET'], path: '/v1/files/retrieve', auth: true, api: 'uploadFile', handle: retrieve },
  ]
}
