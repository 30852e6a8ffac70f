/**
 * The simulator: one `node:http` server (no framework, so every byte is ours), the shared state, and the
 * dispatcher that applies the rules common to all routes: `x-tt-logid` on every response, request log,
 * arrival events and counters, injected latency, auth, and the error envelope.
 */
import { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { answerFor } from './answers'
import { audioRoutes } from './audio-rest'
import { speechFor } from './audio-speech'
import type { SimAudioSession } from './audio-types'
import { createAudioWs, type AudioSettings } from './audio-ws'
import { createAuthenticator } from './auth'
import { botRoutes } from './bot-routes'
import { chatRoutes } from './chat-routes'
import type { ChatRun } from './chat-run'
import { conversationClearRoutes } from './conversation-clear'
import { conversationRoutes } from './conversation-routes'
import { feedbackRoutes, type SimFeedback } from './feedback-routes'
import { fileRoutes, type SimFile } from './file-routes'
import { createIdGenerator, newLogId } from './ids'
import { createJwtVerifier, createTokenStore, OAuthError, oauthRoutes, sendOAuthError } from './oauth'
import { ApiError, isRecord, MSG, parseJson, readBody, sendError } from './reply'
import { createRouter } from './router'
import { createStore } from './store'
import type {
  CozeSim,
  CozeSimOptions,
  SimApi,
  SimEventName,
  SimListener,
  SimRequest,
  SimStats,
} from './types'
import { simChatOf, simConversationOf } from './wire'

const zeroStats = (): SimStats => ({
  tokenExchanges: 0,
  chatCalls: 0,
  cancelCalls: 0,
  conversationCreates: 0,
  retrieveCalls: 0,
  messageListCalls: 0,
  submitToolOutputsCalls: 0,
  authFailures: 0,
  permissionDenials: 0,
})
const noFaults = () => ({ rejectNext: 0, oauthDown: false, latencyMs: 0, denied: new Set<SimApi>() })

/**
 * Starts a Coze simulator; resolves once it listens.
 * @example
 * const sim = await startCozeSim({ pats: ['pat_test'], firstTokenDelayMs: 0, tokensPerSecond: 0 })
 * const coze = new CozeAPI({ token: 'pat_test', baseURL: sim.url })
 * await sim.close()
 */
export async function startCozeSim(options: CozeSimOptions = {}): Promise<CozeSim> {
  const timing = checkTiming(options)
  const audio = audioSettings(options)
  const audioSessions: SimAudioSession[] = []
  const nextId = createIdGenerator()
  const store = createStore(nextId)
  const tokens = createTokenStore()
  const runs = new Set<ChatRun>()
  const emitter = new EventEmitter()
  const stats = zeroStats()
  const requests: SimRequest[] = []
  const faults = noFaults()
  const files = new Map<string, SimFile>()
  const feedback = new Map<string, SimFeedback>()
  let seq = 0
  let selfHost = ''

  const authenticate = createAuthenticator({
    pats: new Set(options.pats ?? []),
    ...(options.patApis ? { patApis: options.patApis } : {}),
    tokens,
    get denied() {
      return faults.denied
    },
    takeRejection: () => {
      if (faults.rejectNext <= 0) return false
      faults.rejectNext--
      return true
    },
    onFailure: () => stats.authFailures++,
    onDenied: () => stats.permissionDenials++,
  })
  const router = createRouter()
  router.add(
    ...oauthRoutes({
      verify: createJwtVerifier(options.oauthApps ?? []),
      tokens,
      audience: options.oauthAudience ?? 'api.coze.cn',
      isDown: () => faults.oauthDown,
      onExchange: () => stats.tokenExchanges++,
    }),
    ...chatRoutes({ store, nextId, timing: () => timing, runs, files }),
    ...conversationRoutes(store),
    ...audioRoutes({ settings: () => audio, sessions: audioSessions }),
    ...fileRoutes(files, nextId),
    ...botRoutes(options.bot),
    ...conversationClearRoutes(store, nextId),
    ...feedbackRoutes(store, feedback),
  )
  const audioWs = createAudioWs({
    authenticate,
    settings: () => audio,
    sessions: audioSessions,
    onUpgrade: (req) =>
      requests.push({
        seq: ++seq,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        at: Date.now(),
        ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
      }),
  })
  router.addUpgrade('/v1/audio/speech', audioWs.speech)
  router.addUpgrade('/v1/audio/transcriptions', audioWs.transcriptions)

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const logid = newLogId()
    res.setHeader('x-tt-logid', logid)
    const auth = req.headers.authorization
    const entry: SimRequest = {
      seq: ++seq,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      at: Date.now(),
      ...(auth === undefined ? {} : { authorization: auth }),
    }
    requests.push(entry)
    try {
      const raw = await readBody(req)
      const url = new URL(entry.path, 'http://coze-sim')
      const route = router.match(entry.method, url.pathname)
      const arrival = { ...entry, body: peekBody(raw) }
      emitter.emit('request', arrival)
      if (route?.stat) stats[route.stat]++
      if (route?.event) emitter.emit(route.event, arrival)
      if (faults.latencyMs > 0) await sleep(faults.latencyMs)
      if (!route) throw new ApiError(4200, `coze-sim: no route for ${entry.method} ${url.pathname}`, 404)
      if (route.auth) authenticate(req, route.api, isRecord(arrival.body) ? arrival.body.bot_id : undefined)
      await route.handle({ req, res, url, logid, body: raw, json: () => parseJson(raw) })
    } catch (e) {
      replyWithError(res, logid, e)
    }
  }

  const server = createServer((req, res) => void dispatch(req, res)) // cannot reject: it answers every error
  server.on('upgrade', (req, socket, head) => router.upgrade(req, socket, head, newLogId()))
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('coze-sim: not listening on TCP')
  const port = address.port
  selfHost = `${reachable(address.address)}:${port}`
  let closing: Promise<void> | undefined

  return {
    url: `http://${selfHost}`,
    port,
    stats,
    requests,
    on: (event: SimEventName, listener: SimListener) => void emitter.on(event, listener),
    off: (event: SimEventName, listener: SimListener) => void emitter.off(event, listener),
    answerFor,
    speechFor: (text) => speechFor(text, audio),
    transcript: audio.transcript,
    audioSessions,
    feedback: (messageId) => feedback.get(messageId),
    file: (fileId) => files.get(fileId),
    chat(chatId) {
      const chat = store.chat(chatId)
      return chat && simChatOf(chat)
    },
    conversation(conversationId) {
      const c = store.conversation(conversationId)
      return c && simConversationOf(c)
    },
    faults: {
      rejectNextAuth: (n) => void (faults.rejectNext = n),
      expireAllTokens: () => tokens.expireAll(),
      oauthDown: (on) => void (faults.oauthDown = on),
      latencyMs: (ms) => void (faults.latencyMs = ms),
      denyApi: (api, on) => void (on ? faults.denied.add(api) : faults.denied.delete(api)),
      ...audioWs.faults,
    },
    reset() {
      Object.assign(stats, zeroStats())
      Object.assign(faults, noFaults())
      audioWs.resetFaults()
      audioSessions.length = 0
      requests.length = 0
      seq = 0
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const run of runs) run.stop()
        runs.clear()
        audioWs.close()
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      })
      return closing
    },
  }
}

function checkTiming(options: CozeSimOptions) {
  const ttftMs = options.firstTokenDelayMs ?? 150
  const tokensPerSecond = options.tokensPerSecond ?? 40
  if (!(ttftMs >= 0) || !(tokensPerSecond >= 0)) {
    throw new TypeError('coze-sim: firstTokenDelayMs and tokensPerSecond must be ≥ 0')
  }
  return { ttftMs, tokensPerSecond }
}

function audioSettings(options: CozeSimOptions): AudioSettings {
  const a = options.audio ?? {}
  const s = {
    bytesPerSecond: a.bytesPerSecond ?? 480_000,
    chunkBytes: a.chunkBytes ?? 9600,
    bytesPerCharacter: a.bytesPerCharacter ?? 12_000,
    transcript: a.transcript ?? '今天天气不错。',
    defaultVoiceId: a.defaultVoiceId ?? '7426720361733046281',
  }
  if (!(s.bytesPerSecond >= 0) || !(s.chunkBytes >= 2) || !(s.bytesPerCharacter >= 2) || !s.transcript) {
    throw new TypeError('coze-sim: audio.bytesPerSecond must be ≥ 0, chunk sizes ≥ 2, transcript non-empty')
  }
  return s
}

/** A host for the URL: the bound address, or loopback when bound to all interfaces. */
function reachable(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1'
  if (address === '::') return '[::1]'
  return address.includes(':') ? `[${address}]` : address
}

/** What 'request'/'chat'/… listeners get as `body`: JSON when it parses, else the text, else undefined. */
function peekBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined
  const text = raw.toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function replyWithError(res: ServerResponse, logid: string, e: unknown): void {
  if (res.headersSent) {
    // Mid-stream there is no way to report an error but to cut the connection.
    res.destroy()
    return
  }
  if (e instanceof OAuthError) return sendOAuthError(res, logid, e)
  if (e instanceof ApiError) return sendError(res, logid, e)
  console.error('coze-sim: unexpected error', e)
  sendError(res, logid, new ApiError(5000, MSG.server, 500))
}
