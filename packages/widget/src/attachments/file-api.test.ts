// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { VcApiError } from '../api/http'
import { withToken } from '../state/actions'
import { createFileApi } from './file-api'

type Call = { url: string; method: string; auth: string; body: unknown }

function setup(answer: (call: Call, n: number) => Response) {
  const calls: Call[] = []
  let token = 'tok1'
  const refreshToken = vi.fn(async () => (token = 'tok2'))
  const api = createFileApi({
    apiBase: () => 'https://chat.example/',
    authed: withToken({ token: () => token, refreshToken }),
    fetch: async (input, init = {}) => {
      const headers = init.headers as Record<string, string>
      const call = {
        url: String(input),
        method: init.method ?? 'GET',
        auth: headers.Authorization!,
        body: init.body,
      }
      calls.push(call)
      return answer(call, calls.length)
    },
  })
  return { api, calls, refreshToken }
}

const envelope = (status: number, code: string) =>
  new Response(JSON.stringify({ error: { code, message: code, requestId: 'r' } }), { status })
const uploaded = { fileId: 'f1', name: 'a.png', kind: 'image', mime: 'image/png', bytes: 4 }
const png = new File([new Uint8Array([137, 80, 78, 71])], 'a.png', { type: 'image/png' })

describe('file calls', () => {
  it('should upload the file as multipart field `file` with the bearer token, and report it done', async () => {
    const { api, calls } = setup(() => Response.json(uploaded, { status: 201 }))
    const progress = vi.fn()
    const a = await api.upload(png, progress, new AbortController().signal)
    expect(a).toEqual(uploaded)
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({
      url: 'https://chat.example/api/chat/files',
      method: 'POST',
      auth: 'Bearer tok1',
    })
    const form = calls[0]!.body as FormData
    expect(form).toBeInstanceOf(FormData)
    expect((form.get('file') as File).name).toBe('a.png')
    expect(progress).toHaveBeenLastCalledWith(1)
  })

  it('should get a fresh token once on a 401, as every other call does', async () => {
    const { api, calls, refreshToken } = setup((_, n) =>
      n === 1 ? envelope(401, 'TOKEN_INVALID') : Response.json(uploaded, { status: 201 }),
    )
    await api.upload(png, () => {}, new AbortController().signal)
    expect(refreshToken).toHaveBeenCalledTimes(1)
    expect(calls.map((c) => c.auth)).toEqual(['Bearer tok1', 'Bearer tok2'])
  })

  it.each([
    [413, 'FILE_TOO_LARGE'],
    [415, 'FILE_TYPE_NOT_ALLOWED'],
    [429, 'RATE_LIMITED'],
  ])('should reject a %i with its code', async (status, code) => {
    const { api } = setup(() => envelope(status, code))
    await expect(api.upload(png, () => {}, new AbortController().signal)).rejects.toMatchObject({
      status,
      code,
    })
  })

  it('should refuse an answer that is no attachment', async () => {
    const { api } = setup(() => Response.json({ ok: true }, { status: 201 }))
    await expect(api.upload(png, () => {}, new AbortController().signal)).rejects.toBeInstanceOf(VcApiError)
  })

  it('should fetch an image with the token in the header, never in the URL', async () => {
    const { api, calls } = setup(
      () =>
        new Response(new Blob([new Uint8Array(4)], { type: 'image/png' }), {
          headers: { 'Content-Type': 'image/png' },
        }),
    )
    const blob = await api.image('f/1', new AbortController().signal)
    expect(blob.type).toBe('image/png')
    expect(calls[0]).toMatchObject({
      url: 'https://chat.example/api/chat/files/f%2F1',
      method: 'GET',
      auth: 'Bearer tok1',
    })
    expect(calls[0]!.url).not.toContain('tok1')
  })

  it('should not turn anything but an image into a thumbnail', async () => {
    const { api } = setup(() => new Response('<html>', { headers: { 'Content-Type': 'text/html' } }))
    await expect(api.image('f1', new AbortController().signal)).rejects.toBeInstanceOf(VcApiError)
  })
})
