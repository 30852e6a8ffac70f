/**
 * Streaming TTS (coze-protocol.md §5.3), in the order of the real recording: `speech.created` at once;
 * on `input_text_buffer.complete`: `input_text_buffer.completed` → `conversation.audio.sentence_start`
 * → `speech.audio.update` × n (base64) → `speech.audio.completed`. The socket stays open afterwards.
 * Text over 1024 bytes (UTF-8) since the last complete is refused with `error` 3010 and not spoken (§9
 * row 5). The voice is the last `speech.update`'s `output_audio.voice_id`, else Coze's default (§9 row 12).
 */
import { setTimeout as sleep, setImmediate as yieldToIo } from 'node:timers/promises'
import { hashText } from './answers'
import type { AudioSettings, Behaviour, Channel } from './audio-ws'
import { isRecord } from './reply'

const DEFAULT_OUTPUT = { codec: 'pcm', pcm_config: { sample_rate: 24_000 }, speech_rate: 0 }

/** Coze's limit per synthesis request, REST and WebSocket alike (§9 row 5). */
export const MAX_SPEECH_INPUT_BYTES = 1024
/** UNVERIFIED wording; the code 3010 is from the docs (`tts_api`, `tts_event`). */
export const TEXT_TOO_LONG = {
  code: 3010,
  msg: `The input text exceeds the limit of ${MAX_SPEECH_INPUT_BYTES} bytes per request`,
}

/**
 * The exact audio bytes the sim speaks for `text`: pseudo-random bytes seeded by the text (so any
 * reordering or loss shows), `bytesPerCharacter` per character, then one chunk of silence (the real
 * recording's last chunk was all zeros).
 */
export function speechFor(text: string, s: Pick<AudioSettings, 'bytesPerCharacter' | 'chunkBytes'>): Buffer {
  const voiced = Math.max(1, [...text].length) * s.bytesPerCharacter
  const out = Buffer.alloc(voiced + s.chunkBytes)
  let x = hashText(text) || 1
  for (let i = 0; i + 4 <= voiced; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out.writeUInt32LE(x >>> 0, i)
  }
  return out
}

export function speechBehaviour(ch: Channel): Behaviour {
  let text = ''
  const defaults = { ...DEFAULT_OUTPUT, voice_id: ch.settings.defaultVoiceId }
  let output: Record<string, unknown> = defaults
  let queue = Promise.resolve()
  ch.send('speech.created')
  return (eventType, data) => {
    switch (eventType) {
      case 'speech.update':
        if (isRecord(data.output_audio)) output = { ...defaults, ...data.output_audio }
        ch.send('speech.updated', { output_audio: output })
        return true
      case 'input_text_buffer.append':
        if (typeof data.delta === 'string') text += data.delta
        return true
      case 'input_text_buffer.complete': {
        const done = text
        text = ''
        const voiceId = typeof output.voice_id === 'string' ? output.voice_id : ch.settings.defaultVoiceId
        const round = { text: done, bytes: Buffer.byteLength(done), voiceId }
        if (round.bytes > MAX_SPEECH_INPUT_BYTES) {
          ch.record.rounds.push({ ...round, error: TEXT_TOO_LONG.code })
          ch.send('error', TEXT_TOO_LONG)
          return true
        }
        ch.record.rounds.push(round)
        ch.record.text += done
        ch.send('input_text_buffer.completed')
        queue = queue.then(() => speak(ch, done))
        return true
      }
      default:
        return false
    }
  }
}

async function speak(ch: Channel, text: string): Promise<void> {
  const { bytesPerSecond, chunkBytes } = ch.settings
  const audio = speechFor(text, ch.settings)
  ch.send('conversation.audio.sentence_start', { text })
  const started = performance.now()
  for (let at = 0; at < audio.length; at += chunkBytes) {
    // Paced against the start time, so timer jitter does not add up.
    if (bytesPerSecond > 0)
      await sleep(Math.max(0, started + (at / bytesPerSecond) * 1000 - performance.now()))
    else if (at % (chunkBytes * 16) === 0) await yieldToIo()
    if (ch.closed || !ch.audioFrame()) return
    ch.send('speech.audio.update', { delta: audio.subarray(at, at + chunkBytes).toString('base64') })
  }
  ch.send('speech.audio.completed')
}
