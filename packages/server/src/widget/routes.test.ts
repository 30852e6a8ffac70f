import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installErrorHandler } from '../core/http/error-handler'
import { widgetRoutes } from './routes'

describe('widget files', () => {
  const app = Fastify()
  const dir = mkdtempSync(join(tmpdir(), 'vc-widget-'))

  beforeAll(async () => {
    mkdirSync(join(dir, 'lang'))
    writeFileSync(join(dir, 'volcano-chat.js'), 'loader()')
    writeFileSync(join(dir, 'volcano-chat.app.js'), 'app()'.repeat(100))
    writeFileSync(join(dir, 'lang', 'json.js'), 'export default 1')
    writeFileSync(join(dir, 'chunk-Ab12Cd34.js'), 'chunk()')
    installErrorHandler(app)
    await app.register(widgetRoutes, { dir })
  })
  afterAll(() => app.close())

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers })

  it('should revalidate the loader on every page view and cache the app and languages for 5 minutes', async () => {
    const loader = await get('/widget/volcano-chat.js')
    expect(loader.statusCode).toBe(200)
    expect(loader.headers['cache-control']).toBe('public, no-cache')
    expect(loader.headers['content-type']).toBe('text/javascript; charset=utf-8')
    const again = await get('/widget/volcano-chat.js', { 'if-none-match': String(loader.headers.etag) })
    expect(again.statusCode).toBe(304)

    for (const file of ['volcano-chat.app.js', 'lang/json.js']) {
      const res = await get(`/widget/${file}`)
      expect([file, res.statusCode, res.headers['cache-control']]).toEqual([file, 200, 'public, max-age=300'])
      expect(res.headers['access-control-allow-origin']).toBe('*')
    }
    expect((await get('/widget/chunk-Ab12Cd34.js')).headers['cache-control']).toContain('immutable')
  })

  it('should send the compressed copies the build wrote, when they are not older than the file', async () => {
    const file = join(dir, 'lang', 'yaml.js')
    writeFileSync(file, 'export default 2')
    writeFileSync(`${file}.br`, 'pre-made brotli')
    utimesSync(`${file}.br`, new Date(), new Date(Date.now() + 60_000))
    const res = await get('/widget/lang/yaml.js', { 'accept-encoding': 'br' })
    expect(res.headers['content-encoding']).toBe('br')
    expect(res.body).toBe('pre-made brotli')
  })

  it('should send the app gzipped when asked, and refuse paths outside dist', async () => {
    const res = await get('/widget/volcano-chat.app.js', { 'accept-encoding': 'gzip' })
    expect(res.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(res.rawPayload).toString()).toBe('app()'.repeat(100))
    // Requests that arrive while a new version compresses share the one result.
    writeFileSync(join(dir, 'volcano-chat.app.js'), 'app2()'.repeat(100))
    utimesSync(join(dir, 'volcano-chat.app.js'), new Date(), new Date(Date.now() + 60_000)) // surely newer
    const both = await Promise.all(
      [1, 2].map(() => get('/widget/volcano-chat.app.js', { 'accept-encoding': 'br' })),
    )
    expect(both.map((r) => r.headers.etag)).toEqual([both[0]!.headers.etag, both[0]!.headers.etag])
    expect(both[0]!.headers.etag).not.toBe(res.headers.etag)
    expect((await get('/widget/../package.json')).statusCode).toBe(404)
    expect((await get('/widget/volcano-chat.js.gz')).statusCode).toBe(404) // not a type it serves
    expect((await get('/widget/missing.js')).statusCode).toBe(404)
  })
})
