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

    // Issue 20 #1: the byte-rate field is the client's; 0xFFFFFFFF charged 6 s as 1 s, and 0 as nothing.
    it.each([0xffffffff, 0])(
      'should charge a WAV by its data size and format, whatever its byte-rate field says (%d)',
      async (byteRate) => {
        const user = await stack.newUser()
        const wav = buildWav(Buffer.alloc(32_000 * 6), { sampleRate: 16000, channels: 1, bitsPerSample: 16 })
        wav.writeUInt32LE(byteRate, 28)
        expect((await transcribe(wavForm(wav), user.token)).status).toBe(200)
        expect(await stack.services.voice.limits.secondsUsed(user.userId)).toBe(6)
      },
    )

    it('should refuse a WAV whose format cannot be metered with 415, before calling Coze', async () => {
      const user = await stack.newUser()
      const wav = buildWav(Buffer.alloc(32_000), { sampleRate: 16000, channels: 1, bitsPerSample: 16 })
      wav.writeUInt16LE(65_535, 22) // channels
      const calls = stack.sim.audioSessions.length
      const res = await transcribe(wavForm(wav), user.token)
      expect(res.status).toBe(415)
      expect(await errorOf(res)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: /channel/ })
      expect(stack.sim.audioSessions.length).toBe(calls)
      expect(await stack.services.voice.limits.secondsUsed(user.userId)).toBe(0)
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

// Issue 20 #1: the REST calls skipped the message limits that a ticket and /api/chat/send spend.
describe('voice REST fallback under the message limits', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({
      backend: 'embedded',
      pat: 'ok',
      sim: { audio: { bytesPerCharacter: 4800, chunkBytes: 4800 } },
      env: { RATE_LIMIT_USER_MESSAGES_PER_MINUTE: '2' },
    })
  })
  afterAll(() => stack?.close())

  it('should count a speech and a transcription as one message each, and refuse the third with 429', async () => {
    const { token } = await stack.newUser()
    const headers = { authorization: `Bearer ${token}` }
    const speech = () =>
      fetch(`${stack.url}/api/voice/speech`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ text: '好', voiceId: 'v1', format: 'pcm' }),
      })
    const transcribe = () => {
      const form = new FormData()
      form.append('file', new Blob([sampleSpeechWav().wav], { type: 'audio/wav' }), 'speech.wav')
      return fetch(`${stack.url}/api/voice/transcriptions`, { method: 'POST', headers, body: form })
    }
    expect((await speech()).status).toBe(200)
    expect((await transcribe()).status).toBe(200)
    const calls = stack.sim.audioSessions.length
    for (const over of [await speech(), await transcribe()]) {
      expect(over.status).toBe(429)
      expect(await errorOf(over)).toMatchObject({ code: 'RATE_LIMITED', limit: 'user-minute' })
    }
    expect(stack.sim.audioSessions.length).toBe(calls)
  })
})
