/**
 * Attachments in one panel (issue 21): the composer's tray and the thumbnails' image cache, made by
 * the root and handed to the composer and the bubbles (provide/inject, like voice and answer actions).
 */
import { inject, provide, type ComputedRef, type InjectionKey } from 'vue'
import type { MessageKey, Translate } from '../i18n'
import { errorText, toChatError, type ChatError } from '../state/errors'
import { MAX_ATTACHMENTS } from './attachment'
import { createFileApi, type FileApiDeps } from './file-api'
import { createImageCache } from './image-cache'
import { FILE_TOO_LARGE, FILE_TYPE_NOT_ALLOWED, MAX_BYTES_HINT } from './rules'
import { createTray, TOO_MANY, type TrayProblem } from './tray'

export interface AttachmentsDeps extends FileApiDeps {
  onError?: (e: ChatError) => void
}

export function createAttachments(deps: AttachmentsDeps) {
  const api = createFileApi(deps)
  const images = createImageCache({ load: api.image })
  const tray = createTray({
    upload: api.upload,
    keep: images.seed,
    failed(err) {
      const e = toChatError(err)
      deps.onError?.(e)
      return { code: e.code, ...(e.retryAfter === undefined ? {} : { retryAfter: e.retryAfter }) }
    },
  })
  return {
    tray,
    images,
    dispose(): void {
      tray.dispose()
      images.dispose()
    },
  }
}

export type Attachments = ReturnType<typeof createAttachments>

export interface AttachmentsUi extends Attachments {
  /** Off (`attachments="off"`), or the next input answers the bot's question (text only). */
  enabled: ComputedRef<boolean>
}

const KEY: InjectionKey<AttachmentsUi> = Symbol('vc-attachments')

export const provideAttachments = (ui: AttachmentsUi) => provide(KEY, ui)

/** Undefined outside `<volcano-chat>` (a component mounted alone in a test). */
export const useAttachments = () => inject(KEY, undefined)

const OWN_TEXT: Record<string, MessageKey> = {
  [FILE_TOO_LARGE]: 'attachTooLarge',
  [FILE_TYPE_NOT_ALLOWED]: 'attachType',
  [TOO_MANY]: 'attachTooMany',
  FILE_NOT_FOUND: 'attachGone',
  BAD_REQUEST: 'attachFailed',
  UNKNOWN: 'attachFailed',
  NETWORK_ERROR: 'attachFailed',
}

/** The user's words for a tray problem; codes it does not know read as any other failure's. */
export function problemText(t: Translate, p: TrayProblem): string {
  const own = Object.hasOwn(OWN_TEXT, p.code) ? OWN_TEXT[p.code] : undefined
  if (own) return t(own, { mb: MAX_BYTES_HINT / 1024 / 1024, n: MAX_ATTACHMENTS })
  return errorText(t, p)
}
