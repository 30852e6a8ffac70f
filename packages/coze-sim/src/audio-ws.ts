/**
 * The audio WebSockets (coze-protocol.md §5.2): the credential from the `Authorization` header or the
 * `authorization` query (js puts it there), Coze's envelope on every server frame, one session record
 * per connection, and the audio faults. The speech / transcriptions behaviours live beside this file.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { speechBehaviour } from './audio-speech'
import { transcriptionsBehaviour } from './audio-transcriptions'
import type { AudioFaults, AudioOptions, SimAudioSession } from './audio-types'
import { newLogId } from './ids'
import { ApiError, isRecord, MSG } from './reply'
import type { UpgradeHandler } from './router'

export type AudioSettings = Required<AudioOptions>

/** What a behaviour sees of its connection. */
export interface Channel {
  readonly record: SimAudioSession
  readonly settings: AudioSettings
  /** Sends one event in Coze's envelope (nothing once closed). */
  send(eventType: string, data?: unknown): void
  /** Counts one audio frame and applies the drop/error faults; false once the session was cut. */
  audioFrame(): boolean
  readonly closed: boolean
}

/** Handles one client event; returns false for an event type it does not know. */
export type Behaviour = (eventType: string, data: Record<string, unknown>) => boolean

export interface AudioWsDeps {
  /**
   * Throws ApiError 4100 for a missing or refused credential (reads the Authorization header), 4101
   * when the credential lacks the API (the same as the REST twin's: createSpeech / createTranscription).
   */
  authenticate(req: IncomingMessage, api: 'createSpeech' | 'createTranscription'): void
  settings: () => AudioSettings
  sessions: SimAudioSession[]
  /** Every upgrade is logged with the sim's HTTP requests. */
  onUpgrade(req: IncomingMessage): void
}

const MAX_FRAME = 64 * 1024 * 1024

export const newSessionRecord = (
  kind: SimAudioSession['kind'],
  path: string,
  authVia: SimAudioSession['authVia'],
): SimAudioSession => ({
  id: randomUUID(),
  kind,
  path,
  authVia,
  openedAt: Date.now(),
  received: [],
  sent: [],
  text: '',
  rounds: [],
  audioBytes: 0,
  audioSha256: '',
})

export function createAudioWs(d: AudioWsDeps) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_FRAME })
  const live = new Set<WebSocket>()
  const state = { dropAfter: undefined as number | undefined, errorAfter: undefined as number | undefined }
  let authErrorFrames = 0
  let readingPaused = false

  function handler(kind: 'speech' | 'transcriptions'): UpgradeHandler {
    return (req, socket, head) => {
      d.onUpgrade(req)
      const logid = newLogId()
      const query = new URL(req.url ?? '/', 'http://sim').searchParams.get('authorization')
      const authVia = req.headers.authorization === undefined && query ? 'query' : 'header'
      // The same check as REST: the query form is just another place for the header's value.
      if (authVia === 'query') req.headers.authorization = query!
      try {
        d.authenticate(req, kind === 'speech' ? 'createSpeech' : 'createTranscription')
      } catch (e) {
        // No permission: the socket opens and says so in an `error` event, as js checks (§5.2).
        if (e instanceof ApiError && e.code === 4101) return forbid(req, socket, head, logid, e)
        return refuse(socket, logid, e instanceof ApiError ? e : new ApiError(5000, MSG.server, 500))
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const record = newSessionRecord(kind, req.url ?? '/', authVia)
        d.sessions.push(record)
        start(ws, record, logid)
      })
    }
  }

  function start(ws: WebSocket, record: SimAudioSession, logid: string) {
    live.add(ws)
    if (readingPaused) ws.pause()
    const cut = { ...state } // one-shot faults belong to this session
    state.dropAfter = state.errorAfter = undefined
    let audioFrames = 0
    let closed = false
    ws.on('close', (code) => {
      closed = true
      live.delete(ws)
      record.closedAt = Date.now()
      record.closeCode = code
    })
    ws.on('error', () => ws.terminate())
    const channel: Channel = {
      record,
      settings: d.settings(),
      get closed() {
        return closed
      },
      send(eventType, data) {
        if (closed || ws.readyState !== ws.OPEN) return
        record.sent.push(eventType)
        ws.send(JSON.stringify(envelope(eventType, data, logid)))
      },
      audioFrame() {
        audioFrames++
        if (cut.dropAfter !== undefined && audioFrames > cut.dropAfter) {
          closed = true
          ws.terminate() // no close frame: the client sees an abnormal closure
          return false
        }
        if (cut.errorAfter !== undefined && audioFrames > cut.errorAfter) {
          channel.send('error', { code: 5000, msg: MSG.server })
          closed = true
          ws.close(1011, 'internal error')
          return false
        }
        return true
      },
    }
    if (authErrorFrames > 0) {
      authErrorFrames--
      channel.send('error', { code: 4100, msg: MSG.auth })
      ws.close(1008, 'authentication is invalid')
      return
    }
    const behaviour = record.kind === 'speech' ? speechBehaviour(channel) : transcriptionsBehaviour(channel)
    ws.on('message', (raw, isBinary) => onMessage(channel, behaviour, raw.toString(), isBinary))
  }

  function forbid(req: IncomingMessage, socket: Duplex, head: Buffer, logid: string, e: ApiError) {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify(envelope('error', { code: e.code, msg: e.message }, logid)))
      ws.close(1008, 'no permission')
    })
  }

  const faults: AudioFaults = {
    audioDropAfter: (n) => void (state.dropAfter = n),
    audioErrorAfter: (n) => void (state.errorAfter = n),
    audioAuthErrorFrames: (n) => void (authErrorFrames = n),
    audioReadingPaused(on) {
      readingPaused = on
      for (const ws of live)
        if (on) ws.pause()
        else ws.resume()
    },
  }

  return {
    speech: handler('speech'),
    transcriptions: handler('transcriptions'),
    faults,
    resetFaults() {
      state.dropAfter = state.errorAfter = undefined
      authErrorFrames = 0
      faults.audioReadingPaused(false)
    },
    close() {
      for (const ws of live) ws.terminate()
      wss.close()
    },
  }
}

function onMessage(ch: Channel, behaviour: Behaviour, text: string, isBinary: boolean) {
  let frame: unknown
  try {
    frame = isBinary ? undefined : JSON.parse(text)
  } catch {
    frame = undefined
  }
  const eventType = isRecord(frame) && typeof frame.event_type === 'string' ? frame.event_type : undefined
  if (!isRecord(frame) || eventType === undefined) {
    return ch.send('error', { code: 4000, msg: 'the frame is not a JSON event with an event_type' })
  }
  ch.record.received.push(eventType)
  const data = isRecord(frame.data) ? frame.data : {}
  if (!behaviour(eventType, data)) ch.send('error', { code: 4000, msg: `unknown event_type "${eventType}"` })
}

/** Server → client envelope (§5.2): id, event_type, data (when there is any), detail.logid/respond_at. */
export const envelope = (eventType: string, data: unknown, logid: string) => ({
  id: randomUUID(),
  event_type: eventType,
  ...(data === undefined ? {} : { data }),
  detail: { logid, respond_at: String(Date.now()) },
})

/** Bad credentials at the upgrade: HTTP 401 + the JSON error body, as REST answers (§5.2). */
function refuse(socket: Duplex, logid: string, e: ApiError) {
  const body = JSON.stringify({ code: e.code, msg: e.message, detail: { logid } })
  const status = e.status === 200 ? 400 : e.status
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\n` +
      `content-type: application/json; charset=utf-8\r\nx-tt-logid: ${logid}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
}
