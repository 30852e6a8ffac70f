/**
 * Serves the widget bundle at `/widget/` (issue 4): correct Content-Type, ETag, gzip/brotli chosen by
 * Accept-Encoding and computed once per file, long caching only for content-hashed chunks.
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { VcError } from '../errors'

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

interface Entry {
  mtimeMs: number
  raw: Buffer
  gzip: Buffer
  br: Buffer
  etag: string
}

export async function widgetRoutes(app: FastifyInstance, o: { dir: string }) {
  const cache = new Map<string, Entry>()

  async function load(file: string): Promise<Entry | undefined> {
    const st = await stat(file).catch(() => undefined)
    if (!st?.isFile()) return undefined
    const hit = cache.get(file)
    if (hit && hit.mtimeMs === st.mtimeMs) return hit
    const raw = await readFile(file)
    const entry: Entry = {
      mtimeMs: st.mtimeMs,
      raw,
      gzip: gzipSync(raw, { level: 9 }),
      br: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
      etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"`,
    }
    cache.set(file, entry)
    return entry
  }

  app.get('/widget/*', async (request, reply) => {
    const rel = normalize((request.params as { '*': string })['*'] || 'volcano-chat.js')
    const type = TYPES[extname(rel)]
    if (rel.startsWith('..') || rel.includes(`..${sep}`) || !type) throw new VcError('VC_ERR_NOT_FOUND')
    const entry = await load(join(o.dir, rel))
    if (!entry) throw new VcError('VC_ERR_NOT_FOUND', 'No such widget file (is the widget built?)')
    reply
      .header('content-type', type)
      .header('etag', entry.etag)
      .header('vary', 'accept-encoding')
      .header(
        'cache-control',
        HASHED.test(rel) ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      )
      .header('access-control-allow-origin', '*') // a public script, loaded cross-origin by website A
      .header('cross-origin-resource-policy', 'cross-origin')
    if (request.headers['if-none-match'] === entry.etag) return reply.status(304).send()
    const accept = String(request.headers['accept-encoding'] ?? '')
    if (/\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(entry.br)
    if (/\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(entry.gzip)
    return reply.send(entry.raw)
  })
}
