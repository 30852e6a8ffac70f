/**
 * The REST fallbacks (issue 7) for clients that cannot hold a WebSocket: the same budget and the same
 * observers as the sockets, audio streamed through and counted as it passes.
 */
import { Transform, pipeline, type Readable } from 'node:stream'
import type { Logger } from 'pino'
import { VcError } from '../errors'
import type { SessionUser } from '../identity/sessions'
import { fileSeconds, speechSeconds } from './audio-meter'
import type { VoiceLimits } from './limits'
import type { combineVoiceObservers } from './observer'
import type { CozeAudioRest } from './rest'
import type { SpeechBody } from './wire'

export interface VoiceFallbackDeps {
  rest: CozeAudioRest
  limits: VoiceLimits
  observers: ReturnType<typeof combineVoiceObservers>
  /** `COZE_VOICE_ID`: Coze needs a voice, a body may leave it out. */
  defaultVoiceId: string | undefined
  log: Logger
}

export function createVoiceFallback(d: VoiceFallbackDeps) {
  async function speech(user: SessionUser, body: SpeechBody): Promise<{ type: string; body: Readable }> {
    const voiceId = body.voiceId ?? d.defaultVoiceId
    if (!voiceId)
      throw new VcError('VC_ERR_BAD_REQUEST', 'voiceId: required (no COZE_VOICE_ID is configured)')
    await d.limits.checkBudget(user.userId)
    const res = await d.rest.speech({
      input: body.text,
      voice_id: voiceId,
      response_format: body.format,
      sample_rate: body.sampleRate,
      speed: body.speed,
    })
    let bytes = 0
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length
        done(null, chunk)
      },
    })
    // Counted when the audio has gone out, whether or not the client read all of it.
    return {
      type: res.type,
      body: pipeline(res.body, counter, () => {
        const seconds = speechSeconds(body.format, body.sampleRate, bytes)
        void charge(user.userId, seconds)
        d.observers.call('restCall', { userId: user.userId, call: 'speech', bytes, audioSeconds: seconds })
      }),
    }
  }

  async function transcribe(user: SessionUser, file: { bytes: Buffer; name: string; type: string }) {
    await d.limits.checkBudget(user.userId)
    const text = await d.rest.transcribe(file)
    const seconds = fileSeconds(file.bytes)
    await charge(user.userId, seconds)
    d.observers.call('restCall', {
      userId: user.userId,
      call: 'transcriptions',
      bytes: file.bytes.length,
      audioSeconds: seconds,
    })
    return text
  }

  /** Like the sockets, a budget store that fails does not fail the call (fail open, logged). */
  async function charge(userId: string, seconds: number) {
    const meter = d.limits.meter(userId)
    try {
      await meter.add(seconds)
      await meter.flush()
    } catch (err) {
      d.log.warn({ err }, 'voice budget not counted')
    }
  }

  return { speech, transcribe }
}
