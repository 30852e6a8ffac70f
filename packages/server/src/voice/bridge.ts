/**
 * Relays one voice connection between the browser and Coze (issue 7). Backpressure both ways: when the
 * socket being written holds more than the high-water mark, reading from the other side pauses (TCP
 * then slows the sender) and resumes once it drained below the low-water mark, so memory per
 * connection stays bounded whoever is faster, and no frame is dropped. Idle timeout, maximum duration
 * and a ping keepalive on both sides; either side ending ends the other, the browser with an `error`
 * frame first unless Coze finished normally. On TTS, text goes to Coze through `speech-rounds.ts` (at
 * most 1024 bytes per synthesis request, the configured voice).
 */
import type { RawData, WebSocket } from 'ws'
import type { ErrorKey } from '../core/errors'
import {
  base64Bytes,
  DEFAULT_PCM_BYTES_PER_SECOND,
  embeddedWavRate,
  inputRate,
  outputRate,
} from './audio-meter'
import { errorFrame, parseClientFrame, peekServerFrame, TERMINAL_EVENTS } from './frames'
import { createSpeechRounds, MAX_HELD_TEXT_BYTES } from './speech-rounds'
import type { VoicePurpose } from './tickets'

export const HIGH_WATER_MARK = 512 * 1024
export const LOW_WATER_MARK = 128 * 1024

export interface BridgeOptions {
  purpose: VoicePurpose
  browser: WebSocket
  upstream: WebSocket
  /** Browser frames that arrived while Coze was connecting, in order. */
  held: { data: RawData; isBinary: boolean }[]
  /** Coze frames received while connecting (`*.created` first). */
  early: string[]
  requestId: string
  /** TTS: `COZE_VOICE_ID`, sent in a `speech.update` before anything else. */
  voiceId?: string
  idleTimeoutMs: number
  maxDurationMs: number
  pingIntervalMs: number
  highWaterMark?: number
  lowWaterMark?: number
  /** Counts audio seconds; resolves false when the day's budget is used up. Never rejects (fails open). */
  meter(seconds: number): Promise<boolean>
  onEnd(result: BridgeResult): void
}

export interface BridgeResult {
  /** Frames and bytes from the browser to Coze, and from Coze to the browser (error frames included). */
  framesIn: number
  bytesIn: number
  framesOut: number
  bytesOut: number
  /** Audio counted against the daily budget. */
  audioSeconds: number
  /** Highest `bufferedAmount` seen on each outgoing socket (the proxy's own queue). */
  peakBufferedToBrowser: number
  peakBufferedToCoze: number
  /** How often reading from the faster side was paused for backpressure. */
  pausesOfCoze: number
  pausesOfBrowser: number
  /** Close code sent to the browser, and why the connection ended. */
  closeCode: number
  reason: string
}

interface Direction {
  to: WebSocket
  from: WebSocket
  paused: boolean
  pauses: number
  peak: number
  frames: number
  bytes: number
}

export function startBridge(o: BridgeOptions) {
  const high = o.highWaterMark ?? HIGH_WATER_MARK
  const low = o.lowWaterMark ?? LOW_WATER_MARK
  const dir = (to: WebSocket, from: WebSocket): Direction => ({
    to,
    from,
    paused: false,
    pauses: 0,
    peak: 0,
    frames: 0,
    bytes: 0,
  })
  const up = dir(o.upstream, o.browser)
  const down = dir(o.browser, o.upstream)
  let ended = false
  let finishedRound = false
  let cozeSentError = false
  let audioSeconds = 0
  let lastActivity = Date.now()
  // Coze's defaults until the browser sets others (checked) or Coze says which it applied.
  const rates = { input: DEFAULT_PCM_BYTES_PER_SECOND, output: DEFAULT_PCM_BYTES_PER_SECOND }
  const rounds =
    o.purpose === 'tts'
      ? createSpeechRounds({
          voiceId: o.voiceId,
          send: (text) => forward(up, text),
          overflow: () =>
            fail('VC_ERR_PAYLOAD_TOO_LARGE', `More than ${MAX_HELD_TEXT_BYTES} bytes of text to read`, 1009),
        })
      : undefined
  const alive = new Map<WebSocket, boolean>([
    [o.browser, true],
    [o.upstream, true],
  ])

  function forward(d: Direction, text: string) {
    if (d.to.readyState !== d.to.OPEN) return
    d.frames++
    d.bytes += Buffer.byteLength(text)
    d.to.send(text, () => drained(d))
    const buffered = d.to.bufferedAmount
    if (buffered > d.peak) d.peak = buffered
    if (!d.paused && buffered > high) {
      d.paused = true
      d.pauses++
      d.from.pause()
    }
  }

  function drained(d: Direction) {
    lastActivity = Date.now() // a slow reader that is still reading is not idle
    if (d.paused && !ended && d.to.bufferedAmount <= low) {
      d.paused = false
      d.from.resume()
    }
  }

  function charge(seconds: number) {
    audioSeconds += seconds
    // cannot reject: see `meter`
    void o.meter(seconds).then((ok) => {
      if (!ok) fail('VC_ERR_RATE_LIMITED', "Today's voice audio allowance is used up", 1008)
    })
  }

  function fromBrowser(data: RawData, isBinary: boolean) {
    lastActivity = Date.now()
    const parsed = parseClientFrame(o.purpose, isBinary ? undefined : data.toString())
    if (!parsed.ok) return forward(down, errorFrame('VC_ERR_EVENT_NOT_ALLOWED', o.requestId, parsed.reason))
    const { eventType, data: payload } = parsed.frame
    // Settings outside what the meter can count are never forwarded (issue 20 #1): Coze and the meter
    // keep the last accepted ones, and the browser learns why.
    const settings =
      eventType === 'transcriptions.update'
        ? ({ key: 'input', rate: inputRate(payload?.input_audio) } as const)
        : eventType === 'speech.update'
          ? ({ key: 'output', rate: outputRate(payload?.output_audio) } as const)
          : undefined
    if (settings) {
      const { key, rate } = settings
      if (!rate.ok)
        return forward(down, errorFrame('VC_ERR_UNSUPPORTED_MEDIA_TYPE', o.requestId, rate.reason))
      rates[key] = rate.bytesPerSecond
    }
    if (rounds) return rounds.fromBrowser(parsed.frame)
    const append = eventType === 'input_audio_buffer.append' ? String(payload!.delta) : undefined
    const wav = append === undefined ? undefined : embeddedWavRate(append)
    if (wav && !wav.ok)
      return forward(down, errorFrame('VC_ERR_UNSUPPORTED_MEDIA_TYPE', o.requestId, wav.reason))
    if (wav) rates.input = Math.min(rates.input, wav.bytesPerSecond)
    forward(up, parsed.frame.text)
    if (append !== undefined) charge(base64Bytes(append) / rates.input)
  }

  function fromCoze(text: string) {
    lastActivity = Date.now()
    const { eventType, data } = peekServerFrame(text)
    const shown = rounds ? rounds.fromCoze(eventType) : true
    finishedRound = shown && eventType !== undefined && TERMINAL_EVENTS.has(eventType)
    cozeSentError = eventType === 'error'
    // Coze's effective settings win; ones the meter cannot count keep the last accepted rate.
    const applied = eventType === 'speech.updated' ? outputRate(data?.output_audio) : undefined
    if (applied?.ok) rates.output = applied.bytesPerSecond
    if (shown) forward(down, text)
    if (eventType === 'speech.audio.update' && typeof data?.delta === 'string') {
      charge(base64Bytes(data.delta) / rates.output)
    }
  }

  /** Sends our `error` frame (after everything already queued) and ends the connection. */
  function fail(key: ErrorKey, message: string | undefined, closeCode: number) {
    if (ended) return
    forward(down, errorFrame(key, o.requestId, message))
    end(closeCode, message ?? key)
  }

  function end(closeCode: number, reason: string) {
    if (ended) return
    ended = true
    clearTimeout(idleTimer)
    clearTimeout(durationTimer)
    clearInterval(pinger)
    // A paused socket cannot read the peer's close frame: resume both so the close handshakes finish.
    o.browser.resume()
    o.upstream.resume()
    if (o.browser.readyState === o.browser.OPEN) o.browser.close(closeCode)
    if (o.upstream.readyState === o.upstream.OPEN) o.upstream.close(1000)
    else o.upstream.terminate()
    o.onEnd({
      framesIn: up.frames,
      bytesIn: up.bytes,
      framesOut: down.frames,
      bytesOut: down.bytes,
      audioSeconds,
      peakBufferedToBrowser: down.peak,
      peakBufferedToCoze: up.peak,
      pausesOfCoze: down.pauses,
      pausesOfBrowser: up.pauses,
      closeCode,
      reason,
    })
  }

  function checkIdle() {
    const quiet = Date.now() - lastActivity
    if (quiet >= o.idleTimeoutMs) return fail('VC_ERR_VOICE_IDLE_TIMEOUT', undefined, 1008)
    idleTimer = setTimeout(checkIdle, o.idleTimeoutMs - quiet)
  }

  /**
   * A side that did not answer the last ping is gone. Spared: a side we stopped reading (its pong waits
   * unread) and one with a backlog from us (our ping waits behind it).
   */
  function ping() {
    for (const [ws, reading] of [
      [o.browser, up],
      [o.upstream, down],
    ] as const) {
      if (reading.paused || ws.bufferedAmount > 0) {
        alive.set(ws, true)
        continue
      }
      if (!alive.get(ws)) {
        ws.terminate()
        continue
      }
      alive.set(ws, false)
      ws.ping()
    }
  }

  o.browser.on('message', fromBrowser)
  o.browser.on('close', () => end(1000, 'browser closed'))
  o.browser.on('error', () => o.browser.terminate())
  o.browser.on('pong', () => alive.set(o.browser, true))
  o.upstream.on('message', (data, isBinary) => isBinary || fromCoze(data.toString()))
  o.upstream.on('close', (code) => {
    if (finishedRound && code === 1000) end(1000, 'Coze closed after finishing')
    // Coze's own error frame already told the browser why.
    else if (cozeSentError) end(1011, `Coze closed after an error (${code})`)
    else fail('VC_ERR_UPSTREAM_INTERRUPTED', `Coze closed the voice connection (${code})`, 1011)
  })
  o.upstream.on('error', () => o.upstream.terminate())
  o.upstream.on('pong', () => alive.set(o.upstream, true))
  let idleTimer = setTimeout(checkIdle, o.idleTimeoutMs)
  const durationTimer = setTimeout(() => fail('VC_ERR_VOICE_TIME_LIMIT', undefined, 1008), o.maxDurationMs)
  const pinger = setInterval(ping, o.pingIntervalMs)

  for (const text of o.early) fromCoze(text)
  rounds?.open()
  for (const h of o.held) fromBrowser(h.data, h.isBinary)
  // Coze may have gone between answering and this hand-over; its close event is then already past.
  if (o.upstream.readyState !== o.upstream.OPEN) fail('VC_ERR_UPSTREAM_INTERRUPTED', undefined, 1011)
  if (o.browser.readyState !== o.browser.OPEN) end(1000, 'browser closed')
  if (!up.paused) o.browser.resume()

  return {
    /** Ends the connection from outside: shutdown (1001, going away), a revoked session (1008). */
    stop: (key: ErrorKey, message?: string, closeCode = 1001) => fail(key, message, closeCode),
    stats: () => ({
      peakBufferedToBrowser: down.peak,
      peakBufferedToCoze: up.peak,
      paused: down.paused || up.paused,
    }),
  }
}
