/**
 * Streaming TTS (coze-protocol.md §5.3), in the order of the real recording: `speech.created` at once;
 * on `input_text_buffer.complete`: `input_text_buffer.completed` → `conversation.audio.sentence_start`
 * → `speech.audio.update` × n (base64) → `speech.audio.completed`. The socket stays open afterwards.
 */
import { setTimeout as sleep, setImmediate as yieldToIo } from 'node:timers/promises'
import { hashText } from './answers'
import type { AudioSettings, Behaviour, Channel } from './audio-ws'
import { isRecord } from './reply'

const DEFAULT_OUTPUT = { codec: 'pcm', pcm_config: { sample_rate: 24_000 }, speech_rate: 0 }

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
  let output: Record<string, unknown> = DEFAULT_OUTPUT
  let queue = Promise.resolve()
  ch.send('speech.created')
  return (eventType, data) => {
    switch (eventType) {
      case 'speech.update':
        if (isRecord(data.output_audio)) output = { ...DEFAULT_OUTPUT, ...data.output_audio }
        ch.send('speech.updated', { output_audio: output })
        return true
      case 'input_text_buffer.append':
        if (typeof data.delta === 'string') text += data.delta
        return true
      case 'input_text_buffer.complete': {
        const done = text
        text = ''
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
