/**
 * Streaming ASR (coze-protocol.md §5.4): `transcriptions.created` at once; appended audio accumulates
 * and, as it does, `transcriptions.message.update` carries the FULL text so far (a growing prefix of the
 * scripted transcript); on `input_audio_buffer.complete`: `input_audio_buffer.completed` → a final
 * update with the whole transcript → `transcriptions.message.completed` (no data, as recorded).
 */
import { createHash } from 'node:crypto'
import { bytesPerSecond, parseWav } from './audio-wav'
import type { Behaviour, Channel } from './audio-ws'
import { isRecord } from './reply'

const DEFAULT_INPUT = { format: 'wav', codec: 'pcm', sample_rate: 24_000, channel: 1, bit_depth: 16 }
/** One more character of the transcript per this much audio. */
const SECONDS_PER_CHARACTER = 0.5
const HEAD_BYTES = 4096

export function transcriptionsBehaviour(ch: Channel): Behaviour {
  const transcript = [...ch.settings.transcript]
  const record = ch.record
  let input: Record<string, unknown> = DEFAULT_INPUT
  let hash = createHash('sha256')
  let head = Buffer.alloc(0)
  let shown = 0
  ch.send('transcriptions.created')

  function reset() {
    hash = createHash('sha256')
    head = Buffer.alloc(0)
    shown = 0
    record.audioBytes = 0
    record.audioSha256 = ''
    delete record.wav
  }

  /** Audio received so far in seconds, from the WAV header when there is one, else from the config. */
  function seconds(): number {
    if (record.wav) return (record.audioBytes - record.wav.dataOffset) / bytesPerSecond(record.wav)
    const rate = Number(input.sample_rate) * Number(input.channel) * (Number(input.bit_depth) / 8)
    return rate > 0 ? record.audioBytes / rate : 0
  }

  function append(delta: string) {
    const chunk = Buffer.from(delta, 'base64')
    hash.update(chunk)
    record.audioBytes += chunk.length
    record.audioSha256 = hash.copy().digest('hex')
    if (head.length < HEAD_BYTES) {
      head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)])
      record.wav ??= parseWav(head)
    }
    const chars = Math.min(transcript.length - 1, Math.floor(seconds() / SECONDS_PER_CHARACTER))
    if (chars > shown) {
      shown = chars
      ch.send('transcriptions.message.update', { content: transcript.slice(0, chars).join('') })
    }
  }

  return (eventType, data) => {
    switch (eventType) {
      case 'transcriptions.update':
        if (isRecord(data.input_audio)) input = { ...DEFAULT_INPUT, ...data.input_audio }
        ch.send('transcriptions.updated', { input_audio: input })
        return true
      case 'input_audio_buffer.append':
        if (typeof data.delta !== 'string')
          ch.send('error', { code: 4000, msg: 'delta must be base64 audio' })
        else if (ch.audioFrame()) append(data.delta)
        return true
      case 'input_audio_buffer.complete':
        ch.send('input_audio_buffer.completed')
        ch.send('transcriptions.message.update', {
          content: record.audioBytes > 0 ? transcript.join('') : '',
        })
        ch.send('transcriptions.message.completed')
        return true
      case 'input_audio_buffer.clear':
        reset()
        ch.send('input_audio_buffer.cleared')
        return true
      default:
        return false
    }
  }
}
