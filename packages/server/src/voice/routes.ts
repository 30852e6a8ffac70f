/**
 * Voice endpoints (SPEC §2.4, issue 7): the ticket, the two WebSocket upgrades, and the REST fallbacks.
 * An upgrade is checked in `preValidation`, before the 101: a refusal is a plain HTTP response with the
 * error envelope, and the ticket is used up whatever the outcome.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import websocket from '@fastify/websocket'
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import type { Config } from '../core/config'
import { VcError } from '../core/errors'
import { bearerToken, requireUser, userOf, heldSessionOf } from '../core/http/auth'
import type { Sessions } from '../identity/types'
import type { Admission, Voice } from './service'
import type { VoicePurpose } from './tickets'
import { MAX_UPLOAD_BYTES, speechBody, ticketBody, upgradeQuery, UPLOAD_TYPES } from './wire'

export interface VoiceRoutesOptions {
  voice: Voice
  sessions: Sessions
  /** `voice.maxFrameBytes`; `corsOrigins`, when set, are the page origins a browser upgrade may come from. */
  config: Pick<Config, 'voice' | 'corsOrigins'>
  /**
   * The message limits of `/api/chat/send` (SPEC §2.6), after the session check: a ticket, a speech and a
   * transcription each count as one message (issue 20 #1: the REST calls skipped them).
   */
  messageGuard?: preHandlerAsyncHookHandler
}

const VOICE_UPGRADE = /^\/api\/voice\/(tts|asr)(\?|$)/
/** Non-voice upgrade requests are answered like plain requests; then their socket must not linger. */
const STRAY_UPGRADE_TIMEOUT_MS = 10_000

export async function voiceRoutes(app: FastifyInstance, o: VoiceRoutesOptions) {
  // Before @fastify/websocket's own preClose (which closes sockets without a word): say why first.
  app.addHook('preClose', async () => o.voice.stopAll())
  await app.register(websocket, {
    options: { maxPayload: o.config.voice.maxFrameBytes, perMessageDeflate: false },
  })
  const strayUpgrade = (req: IncomingMessage, socket: Socket) => {
    if (!VOICE_UPGRADE.test(req.url ?? ''))
      socket.setTimeout(STRAY_UPGRADE_TIMEOUT_MS, () => socket.destroy())
  }
  app.server.on('upgrade', strayUpgrade)
  app.addHook('onClose', async () => void app.server.off('upgrade', strayUpgrade))

  const admissions = new WeakMap<FastifyRequest, Admission>()
  const auth = requireUser(o.sessions)
  const limited = o.messageGuard ? [auth, o.messageGuard] : [auth]

  app.post('/ticket', { preHandler: limited }, async (request) => {
    const { purpose } = ticketBody.parse(request.body)
    return o.voice.issueTicket(userOf(request), heldSessionOf(request).tokenHash, purpose, request.ip)
  })

  const admit = (purpose: VoicePurpose) => async (request: FastifyRequest) => {
    if (!request.ws) throw new VcError('VC_ERR_BAD_REQUEST', 'This endpoint takes a WebSocket upgrade only')
    const origin = request.headers.origin
    const allowed = o.config.corsOrigins
    if (origin && allowed.length && !allowed.includes(origin)) {
      throw new VcError('VC_ERR_ORIGIN_NOT_ALLOWED')
    }
    const { ticket } = upgradeQuery.parse(request.query)
    // Browsers cannot send one, but a client that can (an app, a test) proves whose socket this is.
    const bearer = bearerToken(request)
    const presenter = bearer ? await o.sessions.resolve(bearer) : undefined
    if (bearer && !presenter) throw new VcError('VC_ERR_TOKEN_INVALID')
    const admission = await o.voice.admit(ticket, purpose, request.ip, presenter?.userId)
    // Freed when the socket goes, however the upgrade ends (the relay frees it earlier on a clean end).
    request.raw.socket.once('close', () => {
      admission.release().catch((err: unknown) => request.log.warn({ err }, 'voice slot release failed'))
    })
    admissions.set(request, admission)
  }

  for (const purpose of ['tts', 'asr'] as const) {
    app.get(`/${purpose}`, { websocket: true, preValidation: admit(purpose) }, (socket, request) => {
      // `connect` ends the socket itself on Coze's failures; anything else is a bug: logged, socket closed.
      void o.voice
        .connect(socket, admissions.get(request)!, { requestId: request.id, clientIp: request.ip })
        .catch((err: unknown) => {
          request.log.error({ err }, 'voice connection failed')
          socket.close(1011)
        })
    })
  }

  app.post('/speech', { preHandler: limited }, async (request, reply) => {
    const audio = await o.voice.speech(userOf(request), speechBody.parse(request.body))
    return reply.type(audio.type).send(audio.body)
  })

  // The one route that takes files, in its own scope: no other route parses multipart (issue 20).
  await app.register(async (upload) => {
    upload.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES + 64 * 1024 },
      (_request, body, done) => done(null, body),
    )
    upload.post(
      '/transcriptions',
      { preHandler: limited, bodyLimit: MAX_UPLOAD_BYTES + 64 * 1024 },
      async (request) => {
        const file = await uploadedFile(request)
        return { text: await o.voice.transcribe(userOf(request), file) }
      },
    )
  })
}

/** The multipart `file` field, read with the platform's own parser (undici's `Response.formData`). */
async function uploadedFile(request: FastifyRequest) {
  const type = request.headers['content-type'] ?? ''
  if (!Buffer.isBuffer(request.body) || !type.startsWith('multipart/form-data')) {
    throw new VcError('VC_ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the audio as multipart/form-data, field "file"')
  }
  const form = await new Response(request.body, { headers: { 'content-type': type } })
    .formData()
    .catch(() => undefined) // unreadable: the 400 below
  const file = form?.get('file')
  if (!file || typeof file === 'string' || file.size === 0) {
    throw new VcError('VC_ERR_BAD_REQUEST', 'file: an audio file (wav, mp3 or ogg) is required')
  }
  if (file.size > MAX_UPLOAD_BYTES) throw new VcError('VC_ERR_PAYLOAD_TOO_LARGE', 'file: at most 10 MB')
  const ext = /\.(\w+)$/.exec(file.name)?.[1]?.toLowerCase() ?? ''
  const known = Object.values(UPLOAD_TYPES).includes(file.type) ? file.type : UPLOAD_TYPES[ext]
  if (!known) throw new VcError('VC_ERR_UNSUPPORTED_MEDIA_TYPE', 'file: wav, mp3 or ogg only')
  return { bytes: Buffer.from(await file.arrayBuffer()), name: file.name || `audio.${ext}`, type: known }
}
