/**
 * Backpressure (issue 7 "must show" 2): a ~1 MB/s producer on one side, a consumer that stops reading on
 * the other. The proxy's own queue (bufferedAmount of the socket it writes) must stay near the
 * high-water mark however much passes through, and every byte must still arrive, in order. The tests
 * wait on the proxy's state (paused or not), never on time.
 */
import { createHash } from 'node:crypto'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { audioOf, longWav, sampleSpeechWav } from '@volcano-chat/coze-sim'
import { startStack, type Stack } from '../../test/harness'
import { openVoice, waitFor } from '../../test/voice'
import { HIGH_WATER_MARK } from './bridge'
import type { VoiceConnectionSummary } from './observer'
import { splitSpeechText } from './speech-split'

const MB = 1_000_000
/** Frames already read when reading pauses still go out: a socket read (64 KiB) and one frame over the mark. */
const BOUND = HIGH_WATER_MARK + 256 * 1024
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

describe('voice backpressure', () => {
  let stack: Stack
  const closed: VoiceConnectionSummary[] = []
  beforeAll(async () => {
    stack = await startStack({
      backend: 'embedded',
      pat: 'ok',
      // 32 KiB chunks at 1 MB/s; 12 000 bytes of speech per character.
      sim: { audio: { bytesPerSecond: MB, chunkBytes: 32 * 1024, bytesPerCharacter: 12_000 } },
      env: { VOICE_SECONDS_PER_DAY: '0', VOICE_MAX_FRAME_BYTES: String(4 * 1024 * 1024) },
    })
    stack.services.voice.addObserver({ connectionClosed: (s) => void closed.push(s) })
  })
  afterAll(() => stack?.close())
  let stopClock: () => Promise<void>
  beforeEach(() => void (stopClock = fakeClock()))
  afterEach(() => stopClock())

  const pausedNow = () => stack.services.voice.liveBridges().some((b) => b.paused)

  it('should hold TTS at the high-water mark while the browser stops reading, and lose nothing', async () => {
    const user = await stack.newUser()
    const text = '今天天气不错。'.repeat(100) // 700 characters → 8.4 MB of audio
    // Over Coze's 1024 bytes per request: spoken in chunks (speech-rounds.ts), one after the other.
    const expected = Buffer.concat(splitSpeechText(text).map((chunk) => stack.sim.speechFor(chunk)))
    const c = await openVoice(stack, user.token, 'tts')
    await c.until((f) => f.event_type === 'speech.created')
    c.ws.pause() // the browser stops reading
    c.send('input_text_buffer.append', { delta: text })
    c.send('input_text_buffer.complete')

    await waitFor(pausedNow, Boolean, 30_000) // the proxy stopped reading from Coze
    const held = stack.services.voice.stats().peakBufferedToBrowser
    expect(held).toBeGreaterThan(HIGH_WATER_MARK)
    expect(held).toBeLessThan(BOUND)

    c.ws.resume()
    await c.until((f) => f.event_type === 'speech.audio.completed', 30_000)
    const audio = audioOf(c.frames)
    expect(audio.length).toBe(expected.length)
    expect(audio.equals(expected)).toBe(true)

    c.close()
    const summary = await waitFor(() => closed.find((s) => s.userId === user.userId), Boolean)
    expect(summary!.pausesOfCoze).toBeGreaterThan(0)
    expect(summary!.peakBufferedToBrowser).toBeLessThan(BOUND)
    expect(summary!.bytesOut).toBeGreaterThan(expected.length) // base64 in JSON: everything went through
    console.info(
      `TTS: ${expected.length} B through, peak queued to browser ${summary!.peakBufferedToBrowser} B`,
    )
  })

  it('should hold ASR at the high-water mark while Coze stops reading, and deliver every byte', async () => {
    const user = await stack.newUser()
    // More than enough; the browser stops 1 MB after the proxy pushed back, however big the OS buffers are.
    const wav = longWav(sampleSpeechWav(), 32 * MB)
    let sent = 0
    stack.sim.faults.audioReadingPaused(true) // Coze stops reading
    const c = await openVoice(stack, user.token, 'asr')
    await c.until((f) => f.event_type === 'transcriptions.created')
    c.send('transcriptions.update', { input_audio: { format: 'wav', codec: 'pcm' } })

    // The browser sends ~1 MB/s (32 KiB per 32 ms); pacing only, nothing is timed.
    const chunk = 32 * 1024
    const pushedBack = { at: undefined as number | undefined }
    const sending = (async () => {
      while (sent < wav.length && (pushedBack.at === undefined || sent < pushedBack.at + MB)) {
        c.send('input_audio_buffer.append', { delta: wav.subarray(sent, sent + chunk).toString('base64') })
        sent = Math.min(wav.length, sent + chunk)
        await new Promise((r) => setTimeout(r, 32)) // the fake one (node:timers/promises is not faked)
      }
    })()
    await waitFor(pausedNow, Boolean, 30_000) // the proxy stopped reading from the browser
    pushedBack.at = sent
    const held = stack.services.voice.stats().peakBufferedToCoze
    expect(held).toBeGreaterThan(HIGH_WATER_MARK)
    expect(held).toBeLessThan(BOUND)

    stack.sim.faults.audioReadingPaused(false)
    await sending
    c.send('input_audio_buffer.complete')
    await c.until((f) => f.event_type === 'transcriptions.message.completed', 30_000)
    const session = stack.sim.audioSessions.at(-1)!
    expect(session.audioBytes).toBe(sent)
    expect(session.audioSha256).toBe(sha256(wav.subarray(0, sent)))
    const updates = c.frames.filter((f) => f.event_type === 'transcriptions.message.update')
    expect(updates.at(-1)!.data.content).toBe(stack.sim.transcript)

    c.close()
    const summary = await waitFor(() => closed.find((s) => s.userId === user.userId), Boolean)
    expect(summary!.pausesOfBrowser).toBeGreaterThan(0)
    expect(summary!.peakBufferedToCoze).toBeLessThan(BOUND)
    console.info(`ASR: ${sent} B through, peak queued to Coze ${summary!.peakBufferedToCoze} B`)
  })
})

/**
 * Fake time that moves on `stepMs` per turn of the event loop while the bytes go through real sockets:
 * the producers keep their 1 MB/s of fake time (the sim paces against the faked performance.now), which
 * costs turns of the loop, not seconds (14 s → 2). Timeouts, pings and idle checks see the same time.
 */
function fakeClock(stepMs = 1) {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  })
  let running = true
  const turning = (async () => {
    while (running) {
      vi.advanceTimersByTime(stepMs)
      await new Promise((r) => setImmediate(r))
    }
  })()
  return async () => {
    running = false
    await turning
    vi.useRealTimers()
  }
}
