/** The one uploaded `file` of a multipart request, checked as Coze checks uploads (4300–4302). */
import { ApiError, MSG } from './reply'
import type { Ctx } from './router'

export async function multipartFile(
  ctx: Ctx,
  maxBytes: number,
): Promise<{ name: string; type: string; bytes: Buffer }> {
  const type = ctx.req.headers['content-type'] ?? ''
  if (!type.startsWith('multipart/form-data')) throw new ApiError(4000, MSG.badRequest)
  // The platform's own multipart parser (undici's), so the sim needs no dependency for it.
  const form = await new Response(ctx.body, { headers: { 'content-type': type } })
    .formData()
    .catch(() => undefined)
  const file = form?.get('file')
  if (!form || typeof file === 'string' || !file) throw new ApiError(4300, 'The file is empty or missing')
  if (form.getAll('file').length > 1) throw new ApiError(4301, 'Only one file may be uploaded')
  if (file.size > maxBytes) throw new ApiError(4302, 'The file is too large')
  const bytes = Buffer.from(await file.arrayBuffer())
  if (bytes.length === 0) throw new ApiError(4300, 'The file is empty or missing')
  return { name: file.name, type: file.type, bytes }
}
