/**
 * The multipart body of `POST /api/chat/files`, read in its own scope only (no other route parses
 * multipart) and never past the cap: a declared length over it is refused before a byte is read, and a
 * chunked body is cut where it passes it. Either way the 413 closes the connection (`sendError`), so the
 * rest of an oversized upload is never read.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { VcError } from '../../core/errors'

/** Room for the multipart framing around the file (boundaries, part headers, a few small fields). */
const FRAMING_BYTES = 64 * 1024

export const tooLarge = (maxBytes: number) =>
  new VcError('VC_ERR_FILE_TOO_LARGE', `The file is larger than ${maxBytes} bytes`, { maxBytes })

/** The most a request may send: the file cap plus the framing. */
export const bodyLimitFor = (maxBytes: number) => maxBytes + FRAMING_BYTES

/** onRequest: refuses a declared length over the cap before anything is read. */
export const declaredLengthCheck = (maxBytes: number) => async (request: FastifyRequest) => {
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > bodyLimitFor(maxBytes)) throw tooLarge(maxBytes)
}

/** Installs the capped multipart reader in `app`'s scope: `request.body` becomes the raw Buffer. */
export function installUploadBody(app: FastifyInstance, maxBytes: number) {
  const limit = bodyLimitFor(maxBytes)
  app.addContentTypeParser('multipart/form-data', (_request, payload, done) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const settle = (err: Error | null, body?: Buffer) => {
      if (settled) return
      settled = true
      payload.off('data', onData)
      payload.off('end', onEnd)
      payload.off('error', onError)
      if (err) payload.pause() // the rest stays unread; the connection closes with the answer
      done(err, body)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) return settle(tooLarge(maxBytes))
      chunks.push(chunk)
    }
    const onEnd = () => settle(null, Buffer.concat(chunks, size))
    const onError = (err: Error) => settle(err)
    payload.on('data', onData)
    payload.on('end', onEnd)
    payload.on('error', onError)
  })
}

/** The `file` field of the parsed body, with the platform's own multipart parser (undici's). */
export async function uploadedFile(request: FastifyRequest, maxBytes: number) {
  const type = request.headers['content-type'] ?? ''
  if (!Buffer.isBuffer(request.body) || !type.startsWith('multipart/form-data')) {
    throw new VcError('VC_ERR_BAD_REQUEST', 'Send the file as multipart/form-data, field "file"')
  }
  const form = await new Response(request.body, { headers: { 'content-type': type } })
    .formData()
    .catch(() => undefined)
  if (!form) throw new VcError('VC_ERR_BAD_REQUEST', 'The multipart body could not be read')
  const file = form.get('file')
  if (!file || typeof file === 'string') throw new VcError('VC_ERR_BAD_REQUEST', 'file: a file is required')
  if (form.getAll('file').length > 1) throw new VcError('VC_ERR_BAD_REQUEST', 'file: one file per upload')
  if (file.size > maxBytes) throw tooLarge(maxBytes)
  if (file.size === 0) throw new VcError('VC_ERR_BAD_REQUEST', 'file: the file is empty')
  return { bytes: Buffer.from(await file.arrayBuffer()), name: file.name }
}
