/**
 * The voice proxy end to end on every backend (real MySQL + Redis, and the embedded default): tickets
 * refused at the upgrade, TTS and ASR relayed frame for frame, no Coze credential ever reaching the
 * browser, and the credential retry. Endings and limits: voice-session.contract.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { audioOf, connectAudio, sampleSpeechWav, type AudioClient } from '@volcano-chat/coze-sim'
import { PAT, startStack, type Stack, type StackOptions } from '../../test/harness'
import { openVoice, refusal, requestTicket, speak, ticketFor, voiceUrl, waitFor } from '../../test/voice'

export function runVoiceContract(backend: StackOptions['backend']) {
  describe(`voice proxy (${backend})`, () => {
    let stack: Stack
    const clients: AudioClient[] = []
    const track = (c: AudioClient) => (clients.push(c), c)
    beforeAll(async () => {
      stack = await startStack({
        backend,
        pat: 'ok',
        sim: { audio: { bytesPerSecond: 0, chunkBytes: 4000, bytesPerCharacter: 4000 } },
        env: { TRUST_PROXY: '127.0.0.1', VOICE_SECONDS_PER_DAY: '5' },
      })
    })
    afterAll(async () => {
      for (const c of clients) c.ws.terminate()
      await stack?.close()
    })

    describe('tickets', () => {
      it('should issue a ticket valid 60 s to a session, and refuse one without a session', async () => {
        const user = await stack.newUser()
        const r = await requestTicket(stack, user.token, 'tts')
        expect(r.status).toBe(200)
        expect(r.body.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/)
        const ttl = Date.parse(r.body.expiresAt) - Date.now()
        expect(ttl).toBeGreaterThan(50_000)
        expect(ttl).toBeLessThanOrEqual(60_000)
        expect((await requestTicket(stack, 'nope', 'tts')).body.error.code).toBe('TOKEN_INVALID')
        expect((await requestTicket(stack, user.token, 'chat')).body.error.code).toBe('BAD_REQUEST')
      })

      it('should let a ticket in once; the second use is refused at the upgrade with 401 and the envelope', async () => {
        const user = await stack.newUser()
        const ticket = await ticketFor(stack, user.token, 'tts')
        track(await connectAudio(voiceUrl(stack, 'tts', ticket)))
        const again = await refusal(connectAudio(voiceUrl(stack, 'tts', ticket)))
        expect(again.status).toBe(401)
        expect(again.body.error).toMatchObject({ code: 'TICKET_INVALID', requestId: expect.any(String) })
        // The ticket travels in the query string: it must not reach a log line.
        expect(stack.logLines.join('\n')).not.toContain(ticket)
      })

      it('should answer a plain GET with 400, leaving the ticket unused', async () => {
        const user = await stack.newUser()
        const ticket = await ticketFor(stack, user.token, 'tts')
        const res = await fetch(voiceUrl(stack, 'tts', ticket).replace(/^ws/, 'http'))
        expect(res.status).toBe(400)
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST')
        track(await connectAudio(voiceUrl(stack, 'tts', ticket)))
      })

      it('should refuse a missing, an expired and a wrong-purpose ticket at the upgrade', async () => {
        const user = await stack.newUser()
        expect((await refusal(connectAudio(voiceUrl(stack, 'asr')))).body.error.code).toBe('TICKET_INVALID')

        const tts = await ticketFor(stack, user.token, 'tts')
        expect((await refusal(connectAudio(voiceUrl(stack, 'asr', tts)))).status).toBe(401)
        // Burnt by the wrong use: not usable for its own purpose either.
        expect((await refusal(connectAudio(voiceUrl(stack, 'tts', tts)))).status).toBe(401)

        const expiring = await ticketFor(stack, user.token, 'asr')
        const key = (await import('../core/kv/keys')).keys.voiceTicket(
          (await import('../identity/sessions')).hashToken(expiring),
        )
        await stack.kv.set(key, (await stack.kv.get(key))!, { ttlMs: 1 })
        await waitFor(
          () => stack.kv.pttl(key),
          (ttl) => ttl === -2,
          2000,
        )
        const expired = await refusal(connectAudio(voiceUrl(stack, 'asr', expiring)))
        expect(expired.body.error.message).toMatch(/expired/)
      })

      it("should refuse someone else's ticket: another user's bearer, or another client address", async () => {
        const alice = await stack.newUser()
        const bob = await stack.newUser()
        const ticket = await ticketFor(stack, alice.token, 'tts')
        const asBob = await refusal(
          connectAudio(voiceUrl(stack, 'tts', ticket), { headers: { authorization: `Bearer ${bob.token}` } }),
        )
        expect(asBob.body.error.message).toMatch(/another user/)

        const fromA = await requestTicket(stack, alice.token, 'tts', { 'x-forwarded-for': '203.0.113.7' })
        const elsewhere = await refusal(
          connectAudio(voiceUrl(stack, 'tts', fromA.body.ticket), {
            headers: { 'x-forwarded-for': '198.51.100.9' },
          }),
        )
        expect(elsewhere.body.error.message).toMatch(/address/)
      })
    })

    describe('relay', () => {
      it('should relay TTS: the exact bytes the sim produced, in order, with no Coze credential anywhere', async () => {
        const user = await stack.newUser()
        const c = track(await openVoice(stack, user.token, 'tts'))
        c.send('speech.update', { output_audio: { codec: 'pcm', pcm_config: { sample_rate: 24000 } } })
        c.send('input_text_buffer.append', { delta: '今天天气' })
        c.send('input_text_buffer.append', { delta: '不错。' })
        c.send('input_text_buffer.complete')
        await c.until((f) => f.event_type === 'speech.audio.completed')
        expect(c.frames.map((f) => f.event_type).filter((t) => t !== 'speech.audio.update')).toEqual([
          'speech.created',
          'speech.updated',
          'input_text_buffer.completed',
          'conversation.audio.sentence_start',
          'speech.audio.completed',
        ])
        expect(audioOf(c.frames).equals(stack.sim.speechFor('今天天气不错。'))).toBe(true)

        const session = stack.sim.audioSessions.at(-1)!
        expect(session).toMatchObject({ kind: 'speech', authVia: 'header', path: '/v1/audio/speech' })
        for (const r of stack.sim.requests) expect(r.path).not.toMatch(/authorization|pat_|czs_/i)
        const credentials = [PAT, ...stack.sim.requests.map((r) => r.authorization?.split(' ')[1] ?? PAT)]
        for (const frame of c.raw) for (const secret of credentials) expect(frame).not.toContain(secret)
      })

      it('should relay ASR: a real RIFF/PCM WAV in, the sim transcript updates out', async () => {
        const user = await stack.newUser()
        const { wav, format } = sampleSpeechWav()
        const c = track(await openVoice(stack, user.token, 'asr'))
        c.send('transcriptions.update', {
          input_audio: {
            format: 'wav',
            codec: 'pcm',
            sample_rate: format.sampleRate,
            channel: 1,
            bit_depth: 16,
          },
        })
        for (let at = 0; at < wav.length; at += 8192) {
          c.send('input_audio_buffer.append', { delta: wav.subarray(at, at + 8192).toString('base64') })
        }
        c.send('input_audio_buffer.complete')
        await c.until((f) => f.event_type === 'transcriptions.message.completed')
        const updates = c.frames.filter((f) => f.event_type === 'transcriptions.message.update')
        expect(updates.at(-1)!.data.content).toBe(stack.sim.transcript)
        expect(updates.length).toBeGreaterThan(1)
        const session = stack.sim.audioSessions.at(-1)!
        expect(session.audioBytes).toBe(wav.length)
        expect(session.wav).toMatchObject({ sampleRate: format.sampleRate, bitsPerSample: 16 })
      })
    })

    describe('Coze credentials', () => {
      it('should drop a credential refused at the upgrade (401) and retry once, relaying nothing of it', async () => {
        const user = await stack.newUser()
        const before = { ...stack.sim.stats }
        stack.sim.faults.rejectNextAuth(1)
        const c = track(await openVoice(stack, user.token, 'tts'))
        await speak(c)
        expect(stack.sim.stats.authFailures).toBe(before.authFailures + 1)
        expect(stack.sim.stats.tokenExchanges).toBe(before.tokenExchanges + 1) // the OAuth token was renewed
        expect(c.frames.filter((f) => f.event_type === 'speech.created')).toHaveLength(1)
        expect(c.frames.some((f) => f.event_type === 'error')).toBe(false)
      })

      it('should drop a credential refused by an error frame 4100 and retry once', async () => {
        const user = await stack.newUser()
        const sessions = stack.sim.audioSessions.length
        stack.sim.faults.audioAuthErrorFrames(1)
        const c = track(await openVoice(stack, user.token, 'tts'))
        await speak(c)
        expect(stack.sim.audioSessions.length).toBe(sessions + 2)
        expect(c.frames[0]!.event_type).toBe('speech.created')
        expect(c.frames.some((f) => f.event_type === 'error')).toBe(false)
      })

      it('should send UPSTREAM_UNAVAILABLE and close when Coze refuses twice', async () => {
        const user = await stack.newUser()
        stack.sim.faults.audioAuthErrorFrames(2)
        const c = track(await openVoice(stack, user.token, 'asr'))
        const { code } = await c.closed
        expect(code).toBe(1011)
        expect(c.frames).toMatchObject([{ event_type: 'error', data: { code: 'UPSTREAM_UNAVAILABLE' } }])
      })
    })
  })
}
