/**
 * `blob:` URLs for the thumbnails of the user's own images, shared by everything that shows one and
 * revoked when the last of them goes (no image outlives its message in memory). A question just sent
 * starts from its local preview; after a reload, or once that preview was let go, the bytes come from
 * the service (with the token in the header: a token never goes into a URL).
 */
export interface ImageCacheDeps {
  load: (fileId: string, signal: AbortSignal) => Promise<Blob>
  createUrl?: (blob: Blob) => string
  revokeUrl?: (url: string) => void
}

interface Entry {
  refs: number
  url?: string
  promise: Promise<string>
  ac?: AbortController
}

export type ImageCache = ReturnType<typeof createImageCache>

export function createImageCache(deps: ImageCacheDeps) {
  const createUrl = deps.createUrl ?? ((b: Blob) => URL.createObjectURL(b))
  const revokeUrl = deps.revokeUrl ?? ((u: string) => URL.revokeObjectURL(u))
  const entries = new Map<string, Entry>()

  function drop(fileId: string, e: Entry) {
    if (entries.get(fileId) === e) entries.delete(fileId)
    e.ac?.abort()
    if (e.url) revokeUrl(e.url)
  }

  return {
    /** A local object URL for `fileId` (the upload's preview): the cache owns it from now on. */
    seed(fileId: string, url: string): void {
      const old = entries.get(fileId)
      if (old) {
        if (old.url === url) return
        revokeUrl(url) // already shown from elsewhere: one URL per image is enough
        return
      }
      entries.set(fileId, { refs: 0, url, promise: Promise.resolve(url) })
    },

    /** The image's URL; every call needs one `release`. Rejects when the service would not give it. */
    acquire(fileId: string): Promise<string> {
      let e = entries.get(fileId)
      if (!e) {
        const ac = new AbortController()
        const entry: Entry = { refs: 0, ac, promise: Promise.resolve('') }
        entry.promise = deps.load(fileId, ac.signal).then((blob) => {
          if (entries.get(fileId) !== entry) throw new DOMException('Released', 'AbortError')
          entry.url = createUrl(blob)
          delete entry.ac
          return entry.url
        })
        // A failed load is forgotten: the next thumbnail asks again.
        entry.promise.catch(() => entries.get(fileId) === entry && !entry.url && entries.delete(fileId))
        entries.set(fileId, (e = entry))
      }
      e.refs++
      return e.promise
    },

    release(fileId: string): void {
      const e = entries.get(fileId)
      if (e && --e.refs <= 0) drop(fileId, e)
    },

    /** How many images are held (tests). */
    size: () => entries.size,

    dispose(): void {
      for (const [id, e] of [...entries]) drop(id, e)
    },
  }
}
