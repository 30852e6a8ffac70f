// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest'
import { request } from '../api/http'
import { progressFetch } from './progress-fetch'

/** The part of XMLHttpRequest the adapter uses, driven by the test. */
class FakeXhr {
  static last: FakeXhr
  method = ''
  url = ''
  headers: Record<string, string> = {}
  body: unknown
  status = 0
  statusText = ''
  responseType = ''
  response: unknown = null
  responseHeaders = ''
  upload: { onprogress?: (e: { lengthComputable: boolean; loaded: number; total: number }) => void } = {}
  onload?: () => void
  onerror?: () => void
  ontimeout?: () => void
  onabort?: () => void
  aborted = false
  constructor() {
    FakeXhr.last = this
  }
  open(method: string, url: string) {
    Object.assign(this, { method, url })
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value
  }
  getAllResponseHeaders() {
    return this.responseHeaders
  }
  send(body: unknown) {
    this.body = body
  }
  abort() {
    this.aborted = true
    this.onabort?.()
  }
  answer(status: number, body: string, headers = '') {
    Object.assign(this, { status, response: new Blob([body]), responseHeaders: headers })
    this.onload?.()
  }
}

afterEach(() => vi.unstubAllGlobals())

describe('upload with progress', () => {
  it('should send through http.ts with the token and report the upload progress', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr)
    const progress = vi.fn()
    const form = new FormData()
    const res = request(
      { url: 'https://chat.example/api/chat/files', init: { method: 'POST', headers: {}, body: form } },
      { token: 'tok', fetch: progressFetch(progress) },
    )
    const xhr = FakeXhr.last
    expect(xhr).toMatchObject({ method: 'POST', url: 'https://chat.example/api/chat/files', body: form })
    expect(xhr.headers).toEqual({ authorization: 'Bearer tok' })
    xhr.upload.onprogress!({ lengthComputable: true, loaded: 50, total: 200 })
    expect(progress).toHaveBeenCalledWith(0.25)
    xhr.answer(201, '{"fileId":"f1"}', 'content-type: application/json\r\nx-request-id: r1\r\n')
    expect(await (await res).json()).toEqual({ fileId: 'f1' })
  })

  it("should give the service's refusal and a lost connection as every other call", async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr)
    const req = { url: 'https://chat.example/api/chat/files', init: { method: 'POST', headers: {} } }
    const refused = request(req, { token: 't', fetch: progressFetch(() => {}) })
    FakeXhr.last.answer(
      429,
      '{"error":{"code":"RATE_LIMITED","message":"slow","requestId":"r"}}',
      'Retry-After: 7\r\n',
    )
    await expect(refused).rejects.toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfter: 7 })
    const lost = request(req, { token: 't', fetch: progressFetch(() => {}) })
    FakeXhr.last.onerror!()
    await expect(lost).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' })
  })

  it('should abort the request with its signal', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr)
    const ac = new AbortController()
    const res = progressFetch(() => {})('https://chat.example/x', { signal: ac.signal })
    ac.abort()
    await expect(res).rejects.toMatchObject({ name: 'AbortError' })
    expect(FakeXhr.last.aborted).toBe(true)
  })
})
