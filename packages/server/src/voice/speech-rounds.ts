/**
 * The TTS socket's synthesis requests (coze-protocol §5.3, §9 rows 5 and 12). Coze takes at most 1024
 * bytes per `input_text_buffer.complete` (more → error 3010), and a browser reads a whole answer aloud in
 * one request. So the browser's appended text is held until its `complete`, split at sentence ends
 * (speech-split.ts), and sent to Coze as one append + complete per chunk, **one at a time**: the next
 * chunk goes when Coze sent `speech.audio.completed` for the previous one (whether Coze keeps several
 * pending requests in order is undocumented, so none are left pending). The browser sees one request:
 * `input_text_buffer.completed` and `speech.audio.completed` of all chunks but the last are not relayed;
 * sentence starts and audio are, in order.
 *
 * The voice: Coze speaks its own default voice unless told (§9 row 12), so the socket opens with
 * `speech.update {output_audio: {voice_id: COZE_VOICE_ID}}`, and a browser `speech.update` that names
 * no voice gets that one added (Coze may take an update as the whole config).
 */
import { randomUUID } from 'node:crypto'
import type { ClientFrame } from './frames'
import { isBlank, splitSpeechText } from './speech-split'

/**
 * Text a browser may append before its `complete` (≈ 16 000 Chinese characters); also the REST speech
 * text's cap, so that its JSON body stays within the service's 64 KiB body limit.
 */
export const MAX_HELD_TEXT_BYTES = 48 * 1024

type Step = { kind: 'frame'; text: string } | { kind: 'round'; text: string; last: boolean }

export interface SpeechRoundsOptions {
  /** `COZE_VOICE_ID`; undefined = Coze's default voice. */
  voiceId: string | undefined
  /** Sends one frame to Coze. */
  send(text: string): void
  /** The browser appended more than MAX_HELD_TEXT_BYTES before completing. */
  overflow(): void
}

const frame = (eventType: string, data?: Record<string, unknown>) =>
  JSON.stringify({ id: randomUUID(), event_type: eventType, ...(data && { data }) })

export function createSpeechRounds(o: SpeechRoundsOptions) {
  let held = ''
  let heldBytes = 0
  const queue: Step[] = []
  let inFlight: { last: boolean } | undefined

  function pump() {
    while (!inFlight && queue.length > 0) {
      const step = queue.shift()!
      if (step.kind === 'frame') {
        o.send(step.text)
        continue
      }
      o.send(frame('input_text_buffer.append', { delta: step.text }))
      o.send(frame('input_text_buffer.complete'))
      inFlight = { last: step.last }
    }
  }

  function complete() {
    const spoken = splitSpeechText(held).filter((chunk) => !isBlank(chunk))
    // Nothing to say: Coze still gets the request (and answers it as it does).
    const chunks = spoken.length > 0 ? spoken : [held]
    held = ''
    heldBytes = 0
    chunks.forEach((text, i) => queue.push({ kind: 'round', text, last: i === chunks.length - 1 }))
  }

  function withVoice(f: ClientFrame): string {
    const output = f.data?.output_audio
    const named = typeof output === 'object' && output !== null && 'voice_id' in output
    if (o.voiceId === undefined || named) return f.text
    const data = { ...f.data, output_audio: { ...(output as object | undefined), voice_id: o.voiceId } }
    const parsed = JSON.parse(f.text) as { id?: string }
    return JSON.stringify({
      ...(parsed.id === undefined ? {} : { id: parsed.id }),
      event_type: f.eventType,
      data,
    })
  }

  return {
    /** First thing on a new Coze socket, before any browser frame. */
    open() {
      if (o.voiceId !== undefined) o.send(frame('speech.update', { output_audio: { voice_id: o.voiceId } }))
    },

    /** A checked browser frame (`frames.ts` allowlist). */
    fromBrowser(f: ClientFrame) {
      if (f.eventType === 'input_text_buffer.append') {
        const delta = String(f.data!.delta)
        heldBytes += Buffer.byteLength(delta)
        if (heldBytes > MAX_HELD_TEXT_BYTES) return o.overflow()
        held += delta
        return
      }
      if (f.eventType === 'input_text_buffer.complete') complete()
      else queue.push({ kind: 'frame', text: f.eventType === 'speech.update' ? withVoice(f) : f.text })
      pump()
    },

    /** A Coze frame; false when the browser must not see it (an inner chunk's end). */
    fromCoze(eventType: string | undefined): boolean {
      if (!inFlight) return true
      if (eventType === 'input_text_buffer.completed') return inFlight.last
      if (eventType === 'speech.audio.completed') {
        const { last } = inFlight
        inFlight = undefined
        pump()
        return last
      }
      if (eventType === 'error') {
        // The request failed: its remaining chunks are not sent (later requests are).
        for (let i = 0; !inFlight.last && i < queue.length;) {
          const step = queue[i]!
          if (step.kind === 'frame') i++
          else if ((queue.splice(i, 1), step.last)) break
        }
        inFlight = undefined
        pump()
      }
      return true
    },
  }
}
