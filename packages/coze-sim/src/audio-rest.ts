/**
 * REST audio (coze-protocol.md §5.1): `POST /v1/audio/speech` answers binary audio with `audio/…` (input
 * over 1024 bytes of UTF-8: code 3010, §9 row 5);
 * `POST /v1/audio/transcriptions` takes multipart field `file` and answers `{data:{text}}`.
 */
import { createHash } from 'node:crypto'
import { MAX_SPEECH_INPUT_BYTES, speechFor, TEXT_TOO_LONG } from './audio-speech'
import type { SimAudioSession } from './audio-types'
import { buildWav, parseWav } from './audio-wav'
import { newSessionRecord, type AudioSettings } from './audio-ws'
import { ApiError, isRecord, MSG, sendData } from './reply'
import { multipartFile } from './multipart'
import type { Ctx, Route } from './router'

const CONTENT_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  pcm: 'audio/pcm',
  mp3: 'audio/mpeg',
  ogg_opus: 'audio/ogg',
  // js types the format as 'ogg' | 'opus' where py says 'ogg_opus' (§5.1): accept all three.
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
}
const SAMPLE_RATES = [8000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000]
const MAX_FILE_BYTES = 10 * 1024 * 1024

export interface AudioRestDeps {
  settings: () => AudioSettings
  sessions: SimAudioSession[]
}

export function audioRoutes(d: AudioRestDeps): Route[] {
  function speech(ctx: Ctx) {
    const body = ctx.json()
    if (!isRecord(body)) throw new ApiError(4000, MSG.badRequest)
    const { input, voice_id, response_format = 'mp3', sample_rate = 24_000, speed = 1 } = body
    const valid =
      typeof input === 'string' &&
      input.length > 0 &&
      typeof voice_id === 'string' &&
      voice_id.length > 0 &&
      typeof response_format === 'string' &&
      response_format in CONTENT_TYPES &&
      SAMPLE_RATES.includes(Number(sample_rate)) &&
      typeof speed === 'number' &&
      speed >= 0.2 &&
      speed <= 3
    if (!valid) throw new ApiError(4000, MSG.badRequest)
    const record = newSessionRecord('speech-rest', ctx.url.pathname + ctx.url.search, 'header')
    const round = { text: input, bytes: Buffer.byteLength(input), voiceId: voice_id }
    d.sessions.push(record)
    // HTTP 200 + code, like every business error (§9 row 2); Coze's HTTP status here is UNVERIFIED.
    if (round.bytes > MAX_SPEECH_INPUT_BYTES) {
      record.rounds.push({ ...round, error: TEXT_TOO_LONG.code })
      throw new ApiError(TEXT_TOO_LONG.code, TEXT_TOO_LONG.msg)
    }
    record.rounds.push(round)
    record.text = input
    const pcm = speechFor(input, d.settings())
    const audio =
      response_format === 'wav'
        ? buildWav(pcm, { sampleRate: Number(sample_rate), channels: 1, bitsPerSample: 16 })
        : pcm
    ctx.res.writeHead(200, {
      'content-type': CONTENT_TYPES[response_format]!,
      'content-length': audio.length,
    })
    ctx.res.end(audio)
  }

  async function transcriptions(ctx: Ctx) {
    const { bytes } = await multipartFile(ctx, MAX_FILE_BYTES)
    const record = newSessionRecord('transcriptions-rest', ctx.url.pathname + ctx.url.search, 'header')
    record.audioBytes = bytes.length
    record.audioSha256 = createHash('sha256').update(bytes).digest('hex')
    record.wav = parseWav(bytes)
    d.sessions.push(record)
    sendData(ctx.res, { text: d.settings().transcript })
  }

  return [
    { methods: ['POST'], path: '/v1/audio/speech', auth: true, api: 'createSpeech', handle: speech },
    {
      methods: ['POST'],
      path: '/v1/audio/transcriptions',
      auth: true,
      api: 'createTranscription',
      handle: transcriptions,
    },
  ]
}
