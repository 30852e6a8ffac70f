import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sampleSpeechWav } from './audio-fixture'
import { parseWav } from './audio-wav'
import { PAT, startTestSim } from './test-support'
import type { CozeSim } from './types'

const speech = (sim: CozeSim, body: unknown, token = PAT) =>
  fetch(`${sim.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

const transcribe = (sim: CozeSim, form: FormData) =>
  fetch(`${sim.url}/v1/audio/transcriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PAT}` },
    body: form,
  })

describe('REST audio', () => {
  let sim: CozeSim
  beforeEach(async () => {
    sim = await startTestSim({ audio: { bytesPerCharacter: 1000, chunkBytes: 500, transcript: '你好世界' } })
  })
  afterEach(() => sim.close())

  it('should answer speech as binary audio with an audio/* type: raw for pcm, with a header for wav', async () => {
    const pcm = await speech(sim, { input: '你好', voice_id: 'v1', response_format: 'pcm' })
    expect(pcm.headers.get('content-type')).toBe('audio/pcm')
    expect(Buffer.from(await pcm.arrayBuffer()).equals(sim.speechFor('你好'))).toBe(true)

    const wav = await speech(sim, {
      input: '你好',
      voice_id: 'v1',
      response_format: 'wav',
      sample_rate: 16000,
    })
    const bytes = Buffer.from(await wav.arrayBuffer())
    expect(wav.headers.get('content-type')).toBe('audio/wav')
    expect(parseWav(bytes)).toMatchObject({
      sampleRate: 16000,
      channels: 1,
      bitsPerSample: 16,
      dataOffset: 44,
    })
    expect(bytes.subarray(44).equals(sim.speechFor('你好'))).toBe(true)
    expect(sim.audioSessions.map((s) => s.kind)).toEqual(['speech-rest', 'speech-rest'])
  })

  it.each([
    ['no voice_id', { input: '你好' }],
    ['empty input', { input: '', voice_id: 'v' }],
    ['an unknown format', { input: '你好', voice_id: 'v', response_format: 'flac' }],
    ['an unknown sample rate', { input: '你好', voice_id: 'v', sample_rate: 11025 }],
  ])('should answer speech with %s with code 4000', async (_, body) => {
    const res = await speech(sim, body)
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(await res.json()).toMatchObject({ code: 4000 })
  })

  it('should refuse input over 1024 bytes of UTF-8 with HTTP 200 + code 3010, and take exactly 1024', async () => {
    const over = await speech(sim, { input: '字'.repeat(342), voice_id: 'v' })
    expect(over.status).toBe(200)
    expect(await over.json()).toMatchObject({ code: 3010 })
    const limit = await speech(sim, { input: 'a' + '字'.repeat(341), voice_id: 'v', response_format: 'pcm' })
    expect(limit.headers.get('content-type')).toBe('audio/pcm')
    expect(sim.audioSessions.map((s) => s.rounds[0])).toEqual([
      { text: '字'.repeat(342), bytes: 1026, voiceId: 'v', error: 3010 },
      { text: 'a' + '字'.repeat(341), bytes: 1024, voiceId: 'v' },
    ])
  })

  it('should refuse speech without a valid token with 401/4100', async () => {
    const res = await speech(sim, { input: '你好', voice_id: 'v' }, 'pat_wrong')
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ code: 4100 })
  })

  it('should transcribe a multipart WAV upload and record exactly what arrived', async () => {
    const { wav } = sampleSpeechWav()
    const form = new FormData()
    form.append('file', new Blob([wav], { type: 'audio/wav' }), 'speech.wav')
    const res = await transcribe(sim, form)
    expect(await res.json()).toEqual({ code: 0, msg: '', data: { text: '你好世界' } })
    expect(sim.audioSessions[0]).toMatchObject({
      kind: 'transcriptions-rest',
      audioBytes: wav.length,
      audioSha256: createHash('sha256').update(wav).digest('hex'),
      wav: parseWav(wav),
    })
  })

  it('should answer a transcription without a file with code 4300', async () => {
    const form = new FormData()
    form.append('other', 'x')
    expect(await (await transcribe(sim, form)).json()).toMatchObject({ code: 4300 })
  })
})
