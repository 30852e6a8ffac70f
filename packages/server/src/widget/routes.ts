/**
 * Serves the widget bundle at `/widget/` (issue 4): every file of `dist/` (no list of names: the loader,
 * `volcano-chat.app.js`, `lang/*.js`, `vue.js`), correct Content-Type, ETag, gzip/brotli chosen by
 * Accept-Encoding and computed once per file. Caching (issue 21): the loader is revalidated on every
 * page view (a 304 when unchanged), so a deploy reaches pages at once and the loader never meets an app
 * file of another version for long; the other files keep 5 minutes; content-hashed chunks a year.
 * Compressed bodies come from the build (`x.js.gz`, `x.js.br` beside `x.js`, packages/widget/vite.config.ts)
 * when they are not older than the file; otherwise they are made here on libuv's thread pool: brotli 11
 * of the 280 kB app file takes a second or more, which must not stall the event loop (and the streams on
 * it), and which the first visitor to open the chat would wait for.
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { VcError } from '../core/errors'

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
}
/** `name-abc12345.js`: Vite's content hash means the bytes never change under that name. */
const HASHED = /[-.][A-Za-z0-9_-]{8,}\.(js|css)$/
/** The script tag's file (packages/widget/src/loader/): small, and the entry to everything else. */
const LOADER = 'volcano-chat.js'

const cacheControl = (rel: string) =>
  rel === LOADER
    ? 'public, no-cache'
    : HASHED.test(rel)
      ? 'public, max-age=31536000, immutable'
      : 'public, max-age=300'

const gzipAsync = promisify(gzip)
const brotliAsync = promisify(brotliCompress)

/** A compressed copy the build wrote, if it is at least as new as the file it was made from. */
async function built(path: string, sourceMtimeMs: number): Promise<Buffer | undefined> {
  const st = await stat(path).catch(() => undefined) // none: compressed here instead
  return st?.isFile() && st.mtimeMs >= sourceMtimeMs ? readFile(path) : undefined
}

interface Entry {
  mtimeMs: number
  raw: Buffer
  gzip: Buffer
  br: Buffer
  etag: string
}

export async function widgetRoutes(app: FastifyInstance, o: { dir: string }) {
  const cache = new Map<string, Entry>()
  /** One compression per file and version, however many requests arrive meanwhile. */
  const pending = new Map<string, Promise<Entry>>()

  async function load(file: string): Promise<Entry | undefined> {
    const st = await stat(file).catch(() => undefined) // none: a 404
    if (!st?.isFile()) return undefined
    const hit = cache.get(file)
    if (hit && hit.mtimeMs === st.mtimeMs) return hit
    const key = `${file}\0${st.mtimeMs}`
    let p = pending.get(key)
    if (!p) {
      p = (async () => {
        const raw = await readFile(file)
        const [gz, br] = await Promise.all([
          built(`${file}.gz`, st.mtimeMs).then((b) => b ?? gzipAsync(raw, { level: 9 })),
          built(`${file}.br`, st.mtimeMs).then(
            (b) => b ?? brotliAsync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
          ),
        ])
        const etag = `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"`
        const entry: Entry = { mtimeMs: st.mtimeMs, raw, gzip: gz, br, etag }
        cache.set(file, entry)
        return entry
      })().finally(() => pending.delete(key))
      pending.set(key, p)
    }
    return p
  }

  app.get('/widget/*', async (request, reply) => {
    const rel = normalize((request.params as { '*': string })['*'] || LOADER)
    const type = TYPES[extname(rel)]
    if (rel.startsWith('..') || rel.includes(`..${sep}`) || !type) throw new VcError('VC_ERR_NOT_FOUND')
    const entry = await load(join(o.dir, rel))
    if (!entry) throw new VcError('VC_ERR_NOT_FOUND', 'No such widget file (is the widget built?)')
    reply
      .header('content-type', type)
      .header('etag', entry.etag)
      .header('vary', 'accept-encoding')
      .header('cache-control', cacheControl(rel))
      .header('access-control-allow-origin', '*') // a public script, loaded cross-origin by website A
      .header('cross-origin-resource-policy', 'cross-origin')
    if (request.headers['if-none-match'] === entry.etag) return reply.status(304).send()
    const accept = String(request.headers['accept-encoding'] ?? '')
    if (/\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(entry.br)
    if (/\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(entry.gzip)
    return reply.send(entry.raw)
  })
}
