/**
 * The two file calls of the service (issue 21), through `api/` like every other call: the token in the
 * header (refreshed once on a 401), failures as `VcApiError`.
 */
import * as endpoints from '../api/endpoints'
import { request, requestJson, VcApiError } from '../api/http'
import { toAttachment, type Attachment } from './attachment'
import { progressFetch, type Progress } from './progress-fetch'

export interface FileApiDeps {
  apiBase: () => string
  /** `withToken` of state/actions.ts. */
  authed: <T>(call: (token: string) => Promise<T>) => Promise<T>
  /** For tests; the default reports upload progress (XMLHttpRequest) where it can. */
  fetch?: typeof fetch
}

export interface FileApi {
  upload(file: File, onProgress: Progress, signal: AbortSignal): Promise<Attachment>
  /** An image of the user's own (`GET /api/chat/files/:fileId`). */
  image(fileId: string, signal: AbortSignal): Promise<Blob>
}

/** A 2xx that is not an attachment: a proxy's page, a service that knows no uploads. */
const notAnAttachment = () =>
  new VcApiError({ status: 201, code: 'UNKNOWN', message: 'The upload answer is not an attachment' })

export function createFileApi(deps: FileApiDeps): FileApi {
  return {
    async upload(file, onProgress, signal) {
      const fetch =
        deps.fetch ?? (typeof XMLHttpRequest === 'function' ? progressFetch(onProgress) : undefined)
      const body = await deps.authed((token) =>
        requestJson<unknown>(endpoints.uploadFile(deps.apiBase(), file, file.name || 'image'), {
          token,
          signal,
          fetch,
        }),
      )
      const attachment = toAttachment(body)
      if (!attachment) throw notAnAttachment()
      onProgress(1)
      return attachment
    },

    async image(fileId, signal) {
      const res = await deps.authed((token) =>
        request(endpoints.fileContent(deps.apiBase(), fileId), { token, signal, fetch: deps.fetch }),
      )
      const blob = await res.blob()
      // Only an image becomes an <img>: anything else stays a placeholder.
      if (!blob.type.startsWith('image/'))
        throw new VcApiError({ status: res.status, code: 'UNKNOWN', message: 'Not an image' })
      return blob
    },
  }
}
