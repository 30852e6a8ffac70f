// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { deferred, type Deferred } from '../deferred.fixtures'
import type { Attachment } from './attachment'
import { precheck } from './rules'
import { createTray, TOO_MANY, type TrayDeps } from './tray'

type Upload = { file: File; progress: (p: number) => void; signal: AbortSignal } & Deferred<Attachment>

const png = (name = 'a.png', size = 10) => new File([new Uint8Array(size)], name, { type: 'image/png' })
const pdf = (name = 'a.pdf') => new File(['%PDF'], name, { type: 'application/pdf' })
const answer = (file: File, n: number, kind: Attachment['kind'] = 'image'): Attachment => ({
  fileId: `f${n}`,
  name: file.name,
  kind,
  mime: file.type,
  bytes: file.size,
})

function setup(over: Partial<TrayDeps> = {}) {
  const uploads: Upload[] = []
  let urls = 0
  let ids = 0
  const deps = {
    upload: vi.fn((file: File, progress: (p: number) => void, signal: AbortSignal) => {
      const u = { file, progress, signal, ...deferred<Attachment>() }
      uploads.push(u)
      return u.promise
    }),
    failed: vi.fn((err: unknown) => ({ code: (err as { code: string }).code })),
    keep: vi.fn(),
    createUrl: vi.fn(() => `blob:${++urls}`),
    revokeUrl: vi.fn(),
    uuid: () => `t${++ids}`,
    ...over,
  }
  const tray = createTray(deps)
  const flush = () => new Promise((r) => setTimeout(r, 0))
  return { tray, deps, uploads, flush }
}

describe('attachment hints', () => {
  it('should refuse only what the service surely would', () => {
    expect(precheck(png())).toBeUndefined()
    expect(precheck({ name: 'notes.md', type: '', size: 3 })).toBeUndefined() // browsers know no .md
    expect(precheck({ name: 'blob', type: '', size: 3 })).toBeUndefined() // the bytes decide
    expect(precheck({ name: 'x.svg', type: 'image/svg+xml', size: 3 })).toBe('FILE_TYPE_NOT_ALLOWED')
    expect(precheck({ name: 'x.exe', type: 'application/x-msdownload', size: 3 })).toBe(
      'FILE_TYPE_NOT_ALLOWED',
    )
    expect(precheck({ name: 'big.png', type: 'image/png', size: 10 * 1024 * 1024 + 1 })).toBe(
      'FILE_TOO_LARGE',
    )
  })
})

describe('attachment tray', () => {
  it('should upload each file at once, report progress, and be ready once uploaded', async () => {
    const { tray, uploads, flush } = setup()
    const [a, b] = [png(), pdf()]
    tray.add([a, b])
    expect(uploads.map((u) => u.file)).toEqual([a, b])
    expect(tray.items.value.map((it) => [it.name, it.status, it.preview])).toEqual([
      ['a.png', 'uploading', 'blob:1'],
      ['a.pdf', 'uploading', null], // only raster images get a preview
    ])
    expect(tray.uploading()).toBe(true)
    uploads[0]!.progress(0.5)
    expect(tray.items.value[0]!.progress).toBe(0.5)
    uploads[0]!.resolve(answer(a, 1))
    await flush()
    expect(tray.ready()).toEqual([answer(a, 1)])
    uploads[1]!.resolve(answer(b, 2, 'file'))
    await flush()
    expect(tray.ready().map((x) => x.fileId)).toEqual(['f1', 'f2'])
    expect(tray.uploading()).toBe(false)
  })

  it('should take at most four and say so once', () => {
    const { tray, uploads } = setup()
    tray.add([png('1.png'), png('2.png'), png('3.png')])
    tray.add([png('4.png'), png('5.png'), png('6.png')])
    expect(tray.items.value).toHaveLength(4)
    expect(uploads).toHaveLength(4)
    expect(tray.problem.value).toEqual({ code: TOO_MANY })
  })

  it('should refuse by the hints without uploading, and show the service refusal of the rest', async () => {
    const { tray, uploads, deps, flush } = setup()
    tray.add([new File(['x'], 'x.exe', { type: 'application/x-msdownload' })])
    expect(uploads).toHaveLength(0)
    expect(tray.problem.value).toEqual({ code: 'FILE_TYPE_NOT_ALLOWED' })
    tray.add([png()])
    expect(tray.problem.value).toBeNull() // a new try clears the old message
    uploads[0]!.reject({ code: 'FILE_TYPE_NOT_ALLOWED' })
    await flush()
    expect(tray.items.value[0]!.status).toBe('failed')
    expect(tray.problem.value).toEqual({ code: 'FILE_TYPE_NOT_ALLOWED' })
    expect(deps.failed).toHaveBeenCalledTimes(1)
    expect(tray.ready()).toEqual([])
  })

  it('should drop the preview of what the service calls a file', async () => {
    const { tray, uploads, deps, flush } = setup()
    const f = png('fake.png')
    tray.add([f])
    uploads[0]!.resolve(answer(f, 1, 'file'))
    await flush()
    expect(tray.items.value[0]!.preview).toBeNull()
    expect(deps.revokeUrl).toHaveBeenCalledWith('blob:1')
  })

  it('should abandon a running upload on remove, and let a waiting Send go', async () => {
    const { tray, uploads, deps, flush } = setup()
    tray.add([png()])
    let settled = false
    void tray.settled().then(() => (settled = true))
    await flush()
    expect(settled).toBe(false)
    tray.remove(tray.items.value[0]!.id)
    expect(uploads[0]!.signal.aborted).toBe(true)
    expect(deps.revokeUrl).toHaveBeenCalledWith('blob:1')
    await flush()
    expect(settled).toBe(true)
    expect(tray.items.value).toEqual([])
    uploads[0]!.reject(new DOMException('aborted', 'AbortError'))
    await flush()
    expect(tray.problem.value).toBeNull() // an abandoned upload is no failure
  })

  it('should wait for running uploads before a Send', async () => {
    const { tray, uploads, flush } = setup()
    const a = png()
    tray.add([a])
    const order: string[] = []
    const waiting = tray.settled().then(() => order.push('settled'))
    await flush()
    order.push('uploaded')
    uploads[0]!.resolve(answer(a, 1))
    await waiting
    expect(order).toEqual(['uploaded', 'settled'])
    expect(tray.ready()).toHaveLength(1)
    await expect(tray.settled()).resolves.toBeUndefined() // nothing running: at once
  })

  it('should hand the sent previews on, drop failed chips, and keep uploads still running', async () => {
    const { tray, uploads, deps, flush } = setup()
    const [a, b, c] = [png('a.png'), png('b.png'), png('c.png')]
    tray.add([a, b, c])
    uploads[0]!.resolve(answer(a, 1))
    uploads[1]!.reject({ code: 'UPSTREAM_ERROR' })
    await flush()
    tray.taken(tray.ready())
    expect(deps.keep).toHaveBeenCalledWith('f1', 'blob:1')
    expect(deps.revokeUrl).toHaveBeenCalledWith('blob:2') // the failed one's preview
    expect(deps.revokeUrl).not.toHaveBeenCalledWith('blob:1') // now the bubble's
    expect(tray.items.value.map((it) => it.name)).toEqual(['c.png'])
    expect(uploads[2]!.signal.aborted).toBe(false)
    expect(tray.problem.value).toBeNull()
  })

  it('should abort and revoke everything on dispose', () => {
    const { tray, uploads, deps } = setup()
    tray.add([png()])
    tray.dispose()
    expect(uploads[0]!.signal.aborted).toBe(true)
    expect(deps.revokeUrl).toHaveBeenCalledWith('blob:1')
  })
})
