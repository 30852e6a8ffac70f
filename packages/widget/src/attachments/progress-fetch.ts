/**
 * `fetch` with upload progress: fetch() reports none, XMLHttpRequest does. It keeps fetch's signature,
 * so `api/http.ts` sends the upload (bearer token, error envelope) exactly as every other call.
 */
export type Progress = (fraction: number) => void

function headersOf(raw: string): Headers {
  const headers = new Headers()
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const i = line.indexOf(':')
    if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim())
  }
  return headers
}

/** A fetch whose upload reports `loaded / total` to `onProgress` (0…1). */
export function progressFetch(onProgress: Progress): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init.signal
      const aborted = () => signal?.reason ?? new DOMException('Aborted', 'AbortError')
      if (signal?.aborted) return reject(aborted())
      const xhr = new XMLHttpRequest()
      xhr.open(init.method ?? 'GET', input instanceof Request ? input.url : String(input))
      for (const [name, value] of new Headers(init.headers)) xhr.setRequestHeader(name, value)
      xhr.responseType = 'blob'
      xhr.upload.onprogress = (e) => e.lengthComputable && e.total > 0 && onProgress(e.loaded / e.total)
      xhr.onload = () =>
        resolve(
          new Response(xhr.status === 204 ? null : (xhr.response as Blob), {
            status: xhr.status,
            statusText: xhr.statusText,
            headers: headersOf(xhr.getAllResponseHeaders()),
          }),
        )
      // Like fetch: a TypeError when no HTTP answer came (http.ts makes it NETWORK_ERROR).
      xhr.onerror = xhr.ontimeout = () => reject(new TypeError('Network request failed'))
      xhr.onabort = () => reject(aborted())
      signal?.addEventListener('abort', () => xhr.abort(), { once: true })
      xhr.send((init.body ?? null) as XMLHttpRequestBodyInit | null)
    })
}
