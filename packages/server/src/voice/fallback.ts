/**
 * The REST fallbacks (issue 7) for clients that cannot hold a WebSocket: the same budget and the same
 * observers as the sockets, audio streamed through and counted as it passes. A text over Coze's 1024
 * bytes per request is read in chunks (speech-split.ts), one Coze request after the other, their audio
 * streamed out in order as one body: pcm and mp3 simply run on, ogg_opus becomes a chained Ogg stream (players' support UNVERIFIED),
 * and wav is asked of Coze as pcm behind one streaming WAV header (sizes 0xFFFFFFFF: the length is not
 * known before the last chunk is spoken).
 */
import { Readable, Transform, pipeline } from 'node:stream'
import type { Logger } from 'pino'
import { VcError } from '../core/errors'
import { fileSeconds, speechSeconds } from './audio-meter'
import type { VoiceLimits } from './limits'
import type { combineVoiceObservers } from './observer'
import type { CozeAudioRest } from './rest'
import { isBlank, splitSpeechText } from './speech-split'
import type { SpeechBody } from './wire'
import type { SessionUser } from '../core/session-user'

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
    const chunks = splitSpeechText(body.text).filter((chunk) => !isBlank(chunk))
    const wavHeader = chunks.length > 1 && body.format === 'wav'
    const ask = (input: string) =>
      d.rest.speech({
        input,
        voice_id: voiceId,
        response_format: wavHeader ? 'pcm' : body.format,
        sample_rate: body.sampleRate,
        speed: body.speed,
      })
    // The first answer before any byte goes out, so a refusal is still a plain HTTP error.
    const first = await ask(chunks[0]!)
    const res =
      chunks.length === 1
        ? first
        : {
            type: wavHeader ? 'audio/wav' : first.type,
            body: Readable.from(chained(first.body, chunks.slice(1), ask, wavHeader && body.sampleRate)),
          }
    // A client gone before the first read leaves Coze's first body unread: let its socket go.
    res.body.once('close', () => first.body.destroy())
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
        void charge(user.userId, seconds) // cannot reject: `charge` fails open, logged
        d.observers.call('restCall', { userId: user.userId, call: 'speech', bytes, audioSeconds: seconds })
      }),
    }
  }

  async function transcribe(user: SessionUser, file: { bytes: Buffer; name: string; type: string }) {
    await d.limits.checkBudget(user.userId)
    // Metered before Coze hears it: a WAV whose format fields cannot be counted is refused (issue 20 #1).
    const metered = fileSeconds(file.bytes)
    if (!metered.ok) throw new VcError('VC_ERR_UNSUPPORTED_MEDIA_TYPE', `file: ${metered.reason}`)
    const { seconds } = metered
    const text = await d.rest.transcribe(file)
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

/** The audio of every chunk in order; a later chunk's failure ends the body with that error. */
async function* chained(
  first: Readable,
  rest: string[],
  ask: (input: string) => Promise<{ body: Readable }>,
  wavSampleRate: number | false,
): AsyncGenerator<Buffer> {
  if (wavSampleRate !== false) yield streamingWavHeader(wavSampleRate)
  yield* first
  for (const input of rest) yield* (await ask(input)).body
}

/** 44-byte header of 16-bit mono PCM of unknown length (Coze's pcm, coze-protocol §5.3). */
export function streamingWavHeader(sampleRate: number): Buffer {
  const h = Buffer.alloc(44)
  h.write('RIFF', 0, 'latin1')
  h.writeUInt32LE(0xffffffff, 4)
  h.write('WAVEfmt ', 8, 'latin1')
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(1, 20) // integer PCM
  h.writeUInt16LE(1, 22)
  h.writeUInt32LE(sampleRate, 24)
  h.writeUInt32LE(sampleRate * 2, 28)
  h.writeUInt16LE(2, 32)
  h.writeUInt16LE(16, 34)
  h.write('data', 36, 'latin1')
  h.writeUInt32LE(0xffffffff, 40)
  return h
}
