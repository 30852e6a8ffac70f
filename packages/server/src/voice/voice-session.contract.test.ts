/**
 * Voice sessions on every backend: either side ending mid-stream, frames the proxy refuses, and the
 * limits (open connections, daily audio seconds) shared through Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { audioOf, buildWav, connectAudio, type AudioClient } from '@volcano-chat/coze-sim'
import { startStack, type Stack, type StackOptions } from '../../test/harness'
import { openVoice, refusal, requestTicket, speak, ticketFor, voiceUrl, waitFor } from '../../test/voice'

export function runVoiceSessionContract(backend: StackOptions['backend']) {
  describe(`voice sessions (${backend})`, () => {
    let stack: Stack
    const clients: AudioClient[] = []
    const track = (c: AudioClient) => (clients.push(c), c)
    beforeAll(async () => {
      stack = await startStack({
        backend,
        pat: 'ok',
        sim: { audio: { bytesPerSecond: 0, chunkBytes: 4000, bytesPerCharacter: 4000 } },
        env: { VOICE_SECONDS_PER_DAY: '5' },
      })
    })
    afterAll(async () => {
      for (const c of clients) c.ws.terminate()
      await stack?.close()
    })

    describe('either side ending', () => {
      it('should give the browser an error frame and a close when Coze drops mid-stream', async () => {
        const user = await stack.newUser()
        stack.sim.faults.audioDropAfter(3)
        const c = track(await openVoice(stack, user.token, 'tts'))
        c.send('input_text_buffer.append', { delta: '一二三四五六七八' })
        c.send('input_text_buffer.complete')
        const { code } = await c.closed
        expect(code).toBe(1011)
        expect(c.frames.at(-1)).toMatchObject({ event_type: 'error', data: { code: 'UPSTREAM_INTERRUPTED' } })
        const audio = audioOf(c.frames)
        expect(audio.length).toBe(3 * 4000)
        expect(audio.equals(stack.sim.speechFor('一二三四五六七八').subarray(0, audio.length))).toBe(true)
      })

      it("should pass Coze's own error frame on and close, without a second error", async () => {
        const user = await stack.newUser()
        stack.sim.faults.audioErrorAfter(0)
        const c = track(await openVoice(stack, user.token, 'asr'))
        c.send('input_audio_buffer.append', { delta: Buffer.alloc(320).toString('base64') })
        const { code } = await c.closed
        expect(code).toBe(1011)
        expect(c.frames.filter((f) => f.event_type === 'error')).toMatchObject([{ data: { code: 5000 } }])
      })

      it('should close the Coze socket within 1 s when the browser closes', async () => {
        const user = await stack.newUser()
        const c = track(await openVoice(stack, user.token, 'asr'))
        await c.until((f) => f.event_type === 'transcriptions.created')
        const session = stack.sim.audioSessions.at(-1)!
        expect(session.closedAt).toBeUndefined()
        const closedAt = Date.now()
        c.close()
        await waitFor(
          () => session.closedAt,
          (t) => t !== undefined,
          1000,
        )
        expect(session.closedAt! - closedAt).toBeLessThan(1000)
      })

      it('should answer events outside §5.3/§5.4, binary and non-JSON frames with EVENT_NOT_ALLOWED, and drop them', async () => {
        const user = await stack.newUser()
        const c = track(await openVoice(stack, user.token, 'tts'))
        await c.until((f) => f.event_type === 'speech.created')
        c.send('input_audio_buffer.append', { delta: 'AAAA' }) // an ASR event on the TTS socket
        c.send('conversation.message.create', { role: 'user', content: 'hi' })
        c.ws.send(Buffer.from([1, 2, 3]))
        c.ws.send('{not json')
        c.send('input_text_buffer.append', { delta: 42 })
        await c.until((_, i) => i === 5)
        expect(c.frames.slice(1).map((f) => f.data.code)).toEqual(Array(5).fill('EVENT_NOT_ALLOWED'))
        await speak(c, '好')
        expect(stack.sim.audioSessions.at(-1)!.received).toEqual([
          'input_text_buffer.append',
          'input_text_buffer.complete',
        ])
      })
    })

    describe('limits', () => {
      it('should cap open voice connections per user, at the ticket and at the upgrade, with 429 RATE_LIMITED', async () => {
        const user = await stack.newUser()
        const spare = await ticketFor(stack, user.token, 'tts')
        const a = track(await openVoice(stack, user.token, 'tts'))
        track(await openVoice(stack, user.token, 'asr'))
        const third = await requestTicket(stack, user.token, 'tts')
        expect(third.status).toBe(429)
        expect(third.body.error).toMatchObject({ code: 'RATE_LIMITED', limit: 'voice-connections' })
        expect(third.headers.get('retry-after')).toBeTruthy()
        const atUpgrade = await refusal(connectAudio(voiceUrl(stack, 'tts', spare)))
        expect(atUpgrade.status).toBe(429)
        expect(atUpgrade.body.error).toMatchObject({ code: 'RATE_LIMITED', limit: 'voice-connections' })

        a.close()
        await waitFor(
          () => stack.services.voice.limits.openConnections(user.userId),
          (n) => n === 1,
        )
        track(await openVoice(stack, user.token, 'tts'))
      })

      // Issue 20 #1: {channel: 1000000} made 30 s of audio cost 1 s.
      it('should refuse ASR settings it cannot meter, never forward them, and meter at the last accepted ones', async () => {
        const user = await stack.newUser()
        const c = track(await openVoice(stack, user.token, 'asr'))
        const tampered = [
          { channel: 1_000_000 },
          { sample_rate: 1 },
          { bit_depth: 1e9 },
          { channel: 2, bit_depth: 12 },
        ]
        for (const input_audio of tampered) c.send('transcriptions.update', { input_audio })
        const errors = () => c.frames.filter((f) => f.event_type === 'error')
        await c.until(() => errors().length === tampered.length)
        expect(errors().map((f) => f.data)).toEqual([
          { code: 'UNSUPPORTED_MEDIA_TYPE', msg: expect.stringMatching(/channel must be one of 1, 2/) },
          {
            code: 'UNSUPPORTED_MEDIA_TYPE',
            msg: expect.stringMatching(/sample_rate must be an integer from 8000/),
          },
          {
            code: 'UNSUPPORTED_MEDIA_TYPE',
            msg: expect.stringMatching(/bit_depth must be one of 8, 16, 24/),
          },
          { code: 'UNSUPPORTED_MEDIA_TYPE', msg: expect.stringMatching(/bit_depth/) },
        ])
        // 3 s at Coze's default (24 kHz, mono, 16-bit) cost 3 s.
        c.send('input_audio_buffer.append', { delta: Buffer.alloc(48_000 * 3).toString('base64') })
        await waitFor(
          () => stack.services.voice.limits.secondsUsed(user.userId),
          (s) => s === 3,
        )
        const session = stack.sim.audioSessions.at(-1)!
        await waitFor(
          () => session.received,
          (events) => events.includes('input_audio_buffer.append'),
        )
        expect(session.received).not.toContain('transcriptions.update')
      })

      it('should meter a WAV sent whole at its own format when that is slower, and refuse a tampered one', async () => {
        const user = await stack.newUser()
        const c = track(await openVoice(stack, user.token, 'asr'))
        const format = { sampleRate: 8000, channels: 1, bitsPerSample: 8 }
        const tampered = buildWav(Buffer.alloc(800), format)
        tampered.writeUInt16LE(65_535, 22) // channels
        c.send('input_audio_buffer.append', { delta: tampered.toString('base64') })
        const refused = await c.until((f) => f.event_type === 'error')
        expect(refused.data).toMatchObject({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          msg: expect.stringMatching(/channel/),
        })
        // 3 s of 8 kHz 8-bit mono: 3 s, not the 0.5 s it would be at the default 48000 B/s.
        c.send('input_audio_buffer.append', {
          delta: buildWav(Buffer.alloc(8000 * 3), format).toString('base64'),
        })
        await waitFor(
          () => stack.services.voice.limits.secondsUsed(user.userId),
          (s) => s === 3,
        )
      })

      it('should stop a connection when the daily audio seconds run out, then refuse tickets until tomorrow', async () => {
        const user = await stack.newUser()
        const c = track(await openVoice(stack, user.token, 'asr'))
        c.send('transcriptions.update', {
          input_audio: { format: 'pcm', sample_rate: 16000, channel: 1, bit_depth: 16 },
        })
        const second = Buffer.alloc(32_000).toString('base64') // 1 s of 16 kHz 16-bit mono
        for (let i = 0; i < 8; i++) c.send('input_audio_buffer.append', { delta: second })
        const { code } = await c.closed
        expect(code).toBe(1008)
        expect(c.frames.at(-1)).toMatchObject({ event_type: 'error', data: { code: 'RATE_LIMITED' } })
        expect(await stack.services.voice.limits.secondsUsed(user.userId)).toBeGreaterThan(5)

        const next = await requestTicket(stack, user.token, 'asr')
        expect(next.status).toBe(429)
        expect(next.body.error).toMatchObject({ code: 'RATE_LIMITED', limit: 'voice-seconds' })
        const untilMidnight = 86_400 - Math.floor((Date.now() % 86_400_000) / 1000)
        expect(Math.abs(Number(next.headers.get('retry-after')) - untilMidnight)).toBeLessThan(5)
      })
    })
  })
}
