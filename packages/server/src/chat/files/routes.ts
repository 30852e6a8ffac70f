/**
 * `POST /api/chat/files` and `GET /api/chat/files/:fileId` (SPEC §2.4, issue 21). The token (guards.ts),
 * then the upload limit and the declared length, all in onRequest: a refused upload is never read.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { userOf } from '../../core/http/auth'
import { z } from 'zod'
import type { Files } from './service'
import { bodyLimitFor, declaredLengthCheck, installUploadBody, uploadedFile } from './upload-body'

export interface FilesRoutesOptions {
  files: Files
  maxBytes: number
  /** The per-user upload limit (`limits.ts` `consumeUpload`). */
  limit: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

/** How long a browser may keep an image it fetched (private: never a shared cache). */
const IMAGE_MAX_AGE_S = 86_400

const fileParams = z.strictObject({ fileId: z.string().min(1).max(64) })

export async function filesRoutes(app: FastifyInstance, o: FilesRoutesOptions) {
  installUploadBody(app, o.maxBytes)

  app.post(
    '/files',
    { bodyLimit: bodyLimitFor(o.maxBytes), onRequest: [declaredLengthCheck(o.maxBytes), o.limit] },
    async (request, reply) => {
      const file = await uploadedFile(request, o.maxBytes)
      return reply.status(201).send(await o.files.upload(userOf(request), file))
    },
  )

  app.get('/files/:fileId', async (request, reply) => {
    const { fileId } = fileParams.parse(request.params)
    const image = await o.files.image(userOf(request), fileId)
    return reply
      .type(image.mime)
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', 'inline')
      .header('cache-control', `private, max-age=${IMAGE_MAX_AGE_S}`)
      .send(image.content)
  })
}
