/** The REST fallbacks `POST /api/voice/speech` and `/api/voice/transcriptions` against coze-sim. */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildWav, parseWav, sampleSpeechWav } from '@volcano-chat/coze-sim'
import { startStack, type Stack } from '../../test/harness'

interface Envelope {
  error: { code: string; message: string; limit?: string }
}
const errorOf = async (res: Response) => ((await res.json()) as Envelope).error

describe('voice REST fallback', () => {
  let stack: Stack
  let token: string
  beforeAll(async () => {
    stack = await startStack({
      backend: 'embedded',
      pat: 'ok',
      sim: { audio: { bytesPerCharacter: 4800, chunkBytes: 4800 } },
      env: { VOICE_SECONDS_PER_DAY: '10' },
    })
    token = (await stack.newUser()).token
  })
  afterAll(() => stack?.close())

  const speech = (body: unknown, t = token) =>
    fetch(`${stack.url}/api/voice/speech`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const transcribe = (form: FormData, t = token) =>
    fetch(`${stack.url}/api/voice/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}` },
      body: form,
    })
  const wavForm = (wav: Buffer, name = 'speech.wav', type = 'audio/wav') => {
    const form = new FormData()
    form.append('file', new Blob([wav], { type }), name)
    return form
  }

  describe('POST /api/voice/speech', () => {
    it("should stream Coze's audio through with its audio/* type", async () => {
      const res = await speech({ text: '你好', voiceId: 'v1', format: 'pcm' })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('audio/pcm')
      expect(Buffer.from(await res.arrayBuffer()).equals(stack.sim.speechFor('你好'))).toBe(true)

      const wav = await speech({ text: '你好', voiceId: 'v1', format: 'wav', sampleRate: 16000 })
      const bytes = Buffer.from(await wav.arrayBuffer())
      expect(parseWav(bytes)).toMatchObject({ sampleRate: 16000 })
      expect(bytes.subarray(44).equals(stack.sim.speechFor('你好'))).toBe(true)
    })

    it('should retry once with a fresh credential when Coze refuses one', async () => {
      stack.sim.faults.rejectNextAuth(1)
      expect((await speech({ text: '好', voiceId: 'v1', format: 'pcm' })).status).toBe(200)
      stack.sim.faults.rejectNextAuth(2)
      const refused = await speech({ text: '好', voiceId: 'v1', format: 'pcm' })
      expect(refused.status).toBe(503)
      expect((await errorOf(refused)).code).toBe('UPSTREAM_UNAVAILABLE')
    })

    it.each([
      ['no voice (and no COZE_VOICE_ID)', { text: '你好' }, /voiceId/],
      ['text over 49152 bytes', { text: '字'.repeat(16_385), voiceId: 'v1' }, /49152 bytes/],
      ['an unknown format', { text: '你好', voiceId: 'v1', format: 'flac' }, /format/],
      ['an unknown sample rate', { text: '你好', voiceId: 'v1', sampleRate: 11025 }, /sampleRate/],
    ])('should refuse %s with 400 before calling Coze', async (_, body, message) => {
      const calls = stack.sim.audioSessions.length
      const res = await speech(body)
      expect(res.status).toBe(400)
      expect((await errorOf(res)).message).toMatch(message)
      expect(stack.sim.audioSessions.length).toBe(calls)
    })

    it('should need a session', async () => {
      expect((await speech({ text: '你好', voiceId: 'v1' }, 'nope')).status).toBe(401)
    })
  })

  describe('POST /api/voice/transcriptions', () => {
    it('should forward a multipart WAV byte for byte and answer the text', async () => {
      const { wav } = sampleSpeechWav()
      const res = await transcribe(wavForm(wav))
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ text: stack.sim.transcript })
      expect(stack.sim.audioSessions.at(-1)).toMatchObject({
        kind: 'transcriptions-rest',
        audioBytes: wav.length,
        audioSha256: createHash('sha256').update(wav).digest('hex'),
      })
    })

    it('should refuse a missing file, a non-audio file and a non-multipart body', async () => {
      const empty = new FormData()
      empty.append('other', 'x')
      expect((await errorOf(await transcribe(empty))).code).toBe('BAD_REQUEST')
      const text = await transcribe(wavForm(Buffer.from('hello'), 'notes.txt', 'text/plain'))
      expect((await errorOf(text)).code).toBe('UNSUPPORTED_MEDIA_TYPE')
      const json = await fetch(`${stack.url}/api/voice/transcriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      })
      expect(json.status).toBe(415)
    })

    it('should count audio against the daily budget and refuse with 429 once it is used up', async () => {
      const user = await stack.newUser()
      const long = buildWav(Buffer.alloc(32_000 * 11), { sampleRate: 16000, channels: 1, bitsPerSample: 16 }) // 11 s
      expect((await transcribe(wavForm(long), user.token)).status).toBe(200)
      expect(await stack.services.voice.limits.secondsUsed(user.userId)).toBe(11)
      const over = await transcribe(wavForm(long), user.token)
      expect(over.status).toBe(429)
      expect(await errorOf(over)).toMatchObject({ code: 'RATE_LIMITED', limit: 'voice-seconds' })
      expect((await speech({ text: '好', voiceId: 'v1' }, user.token)).status).toBe(429)
    })
  })
})
