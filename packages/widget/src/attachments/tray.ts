/**
 * The composer's attachments before they are sent (issue 21): each file uploads as soon as it is
 * pasted, dropped or picked; the tray knows which are up, still going, or refused, and holds the one
 * problem to show. Send takes the uploaded ones (`ready`, then `taken`).
 */
import { shallowRef } from 'vue'
import { MAX_ATTACHMENTS, type Attachment } from './attachment'
import type { Progress } from './progress-fetch'
import { IMAGE_TYPES, precheck } from './rules'

export type TrayStatus = 'uploading' | 'done' | 'failed'

export interface TrayItem {
  id: string
  name: string
  bytes: number
  /** A local `blob:` URL of a raster image, for its chip; null for other files. */
  preview: string | null
  status: TrayStatus
  /** 0…1; what the upload reported so far. */
  progress: number
  /** The service's answer once uploaded. */
  attachment: Attachment | null
}

/** What the one message line says: a service code (its text by `errorText`) or the tray's own. */
export interface TrayProblem {
  code: string
  retryAfter?: number
}

export const TOO_MANY = 'TOO_MANY_ATTACHMENTS'

export interface TrayDeps {
  upload: (file: File, onProgress: Progress, signal: AbortSignal) => Promise<Attachment>
  /** Turns a failed upload into its problem (and tells the host, `vc-error`). */
  failed: (err: unknown) => TrayProblem
  /** Hands the preview of an uploaded image to whoever shows it after Send (the image cache). */
  keep: (fileId: string, url: string) => void
  createUrl?: (file: Blob) => string
  revokeUrl?: (url: string) => void
  uuid?: () => string
}

export type Tray = ReturnType<typeof createTray>

export function createTray(deps: TrayDeps) {
  const createUrl = deps.createUrl ?? ((b: Blob) => URL.createObjectURL(b))
  const revokeUrl = deps.revokeUrl ?? ((u: string) => URL.revokeObjectURL(u))
  const uuid = deps.uuid ?? (() => crypto.randomUUID())
  const items = shallowRef<TrayItem[]>([])
  const problem = shallowRef<TrayProblem | null>(null)
  const uploads = new Map<string, AbortController>()
  let waiters: (() => void)[] = []

  const patch = (id: string, change: Partial<TrayItem>) =>
    (items.value = items.value.map((it) => (it.id === id ? { ...it, ...change } : it)))

  function settle() {
    if (uploads.size) return
    const done = waiters
    waiters = []
    done.forEach((fn) => fn())
  }

  function start(item: TrayItem, file: File) {
    const ac = new AbortController()
    uploads.set(item.id, ac)
    const onProgress = (p: number) => ac.signal.aborted || patch(item.id, { progress: Math.min(1, p) })
    deps
      .upload(file, onProgress, ac.signal)
      .then(
        (attachment) => {
          if (ac.signal.aborted) return
          const it = items.value.find((x) => x.id === item.id)
          // The service read the bytes: what it calls a file gets a chip, not a preview.
          if (it?.preview && attachment.kind !== 'image') revokeUrl(it.preview)
          patch(item.id, {
            status: 'done',
            progress: 1,
            attachment,
            ...(attachment.kind === 'image' ? {} : { preview: null }),
          })
        },
        (err: unknown) => {
          if (ac.signal.aborted) return
          patch(item.id, { status: 'failed' })
          problem.value = deps.failed(err)
        },
      )
      .finally(() => {
        if (uploads.get(item.id) === ac) uploads.delete(item.id)
        settle()
      })
  }

  function forget(it: TrayItem) {
    uploads.get(it.id)?.abort()
    uploads.delete(it.id)
    if (it.preview) revokeUrl(it.preview)
  }

  return {
    items,
    /** The one problem line (the newest); null when there is nothing to say. */
    problem,

    /** Pasted, dropped or picked: each file the hints let through uploads at once. */
    add(files: Iterable<File>): void {
      problem.value = null
      for (const file of files) {
        if (items.value.length >= MAX_ATTACHMENTS) {
          problem.value = { code: TOO_MANY }
          break
        }
        const refused = precheck(file)
        if (refused) {
          problem.value = { code: refused }
          continue
        }
        const item: TrayItem = {
          id: uuid(),
          name: file.name || 'image',
          bytes: file.size,
          preview: IMAGE_TYPES.has(file.type.toLowerCase()) ? createUrl(file) : null,
          status: 'uploading',
          progress: 0,
          attachment: null,
        }
        items.value = [...items.value, item]
        start(item, file)
      }
    },

    /** The × on a chip: a running upload is abandoned. */
    remove(id: string): void {
      const it = items.value.find((x) => x.id === id)
      if (!it) return
      forget(it)
      items.value = items.value.filter((x) => x !== it)
      settle()
    },

    dismiss(): void {
      problem.value = null
    },

    /** The uploaded attachments, in the order they were added. */
    ready: (): Attachment[] => items.value.flatMap((it) => (it.status === 'done' && it.attachment) || []),

    uploading: () => uploads.size > 0,

    /** Resolves once no upload is running (at once when none is). */
    settled(): Promise<void> {
      return new Promise((resolve) => {
        waiters.push(resolve)
        settle()
      })
    },

    /**
     * `sent` went out with a question: their previews move on to the question's bubble, and failed
     * chips go too (their problem was shown); uploads still running stay for the next question.
     */
    taken(sent: readonly Attachment[]): void {
      const ids = new Set(sent.map((a) => a.fileId))
      const [gone, stay] = [[] as TrayItem[], [] as TrayItem[]]
      for (const it of items.value)
        (it.status === 'failed' || (it.attachment && ids.has(it.attachment.fileId)) ? gone : stay).push(it)
      for (const it of gone) {
        if (it.attachment && it.preview) deps.keep(it.attachment.fileId, it.preview)
        else forget(it)
      }
      items.value = stay
      problem.value = null
    },

    dispose(): void {
      for (const it of items.value) forget(it)
      items.value = []
      settle()
    },
  }
}
