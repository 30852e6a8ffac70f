import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { audioOf, connectAudio, type AudioClient } from './audio-client'
import { speechFor } from './audio-speech'
import { PAT, startTestSim } from './test-support'
import type { CozeSim } from './types'

const settings = { bytesPerCharacter: 1200, chunkBytes: 1000 }

describe('speechFor', () => {
  it('should be deterministic, text-dependent, sized by characters and end in one silent chunk', () => {
    const a = speechFor('今天天气不错。', settings)
    expect(a.equals(speechFor('今天天气不错。', settings))).toBe(true)
    expect(a.equals(speechFor('今天天气不错！', settings))).toBe(false)
    expect(a.length).toBe(7 * 1200 + 1000)
    expect(a.subarray(-1000).every((b) => b === 0)).toBe(true)
    expect(a.subarray(0, 1000).some((b) => b !== 0)).toBe(true)
  })
})

describe('TTS WebSocket /v1/audio/speech', () => {
  let sim: CozeSim
  let c: AudioClient
  beforeEach(async () => {
    sim = await startTestSim({ audio: { bytesPerSecond: 0, ...settings } })
    c = await connectAudio(`${sim.url.replace(/^http/, 'ws')}/v1/audio/speech`, {
      headers: { authorization: `Bearer ${PAT}` },
    })
  })
  afterEach(async () => {
    c.ws.terminate()
    await sim.close()
  })

  it('should follow the recorded sequence and stream exactly speechFor(text), in order', async () => {
    c.send('input_text_buffer.append', { delta: '今天天气' })
    c.send('input_text_buffer.append', { delta: '不错。' })
    c.send('input_text_buffer.complete')
    await c.until((f) => f.event_type === 'speech.audio.completed')
    const types = c.frames.map((f) => f.event_type)
    const chunks = Math.ceil((7 * 1200 + 1000) / 1000)
    expect(types).toEqual([
      'speech.created',
      'input_text_buffer.completed',
      'conversation.audio.sentence_start',
      ...Array<string>(chunks).fill('speech.audio.update'),
      'speech.audio.completed',
    ])
    expect(c.frames[2]!.data).toEqual({ text: '今天天气不错。' })
    expect(audioOf(c.frames).equals(sim.speechFor('今天天气不错。'))).toBe(true)
    expect(sim.audioSessions[0]).toMatchObject({ text: '今天天气不错。' })
    expect(sim.audioSessions[0]!.closedAt).toBeUndefined()
  })

  it('should answer speech.update with the effective output config', async () => {
    c.send('speech.update', { output_audio: { codec: 'pcm', pcm_config: { sample_rate: 16000 } } })
    const updated = await c.until((f) => f.event_type === 'speech.updated')
    expect(updated.data.output_audio).toMatchObject({ codec: 'pcm', pcm_config: { sample_rate: 16000 } })
  })

  it('should speak two completed texts one after the other', async () => {
    for (const text of ['一', '二']) {
      c.send('input_text_buffer.append', { delta: text })
      c.send('input_text_buffer.complete')
    }
    await c.until((f, i) => f.event_type === 'speech.audio.completed' && i > 4 + 2 * 3)
    const done = c.frames.flatMap((f, i) => (f.event_type === 'speech.audio.completed' ? [i] : []))
    expect(done).toHaveLength(2)
    const first = c.frames.slice(0, done[0]! + 1)
    const second = c.frames.slice(done[0]! + 1)
    expect(audioOf(first).equals(sim.speechFor('一'))).toBe(true)
    expect(audioOf(second).equals(sim.speechFor('二'))).toBe(true)
  })

  it('should refuse more than 1024 bytes since the last complete with error 3010, then speak the next text', async () => {
    c.send('input_text_buffer.append', { delta: '字'.repeat(300) })
    c.send('input_text_buffer.append', { delta: '字'.repeat(42) })
    c.send('input_text_buffer.complete')
    const error = await c.until((f) => f.event_type === 'error')
    expect(error.data).toMatchObject({ code: 3010 })
    c.send('input_text_buffer.append', { delta: 'a' + '字'.repeat(341) })
    c.send('input_text_buffer.complete')
    await c.until((f) => f.event_type === 'speech.audio.completed')
    expect(audioOf(c.frames).equals(sim.speechFor('a' + '字'.repeat(341)))).toBe(true)
    expect(sim.audioSessions[0]!.rounds.map((r) => [r.bytes, r.error])).toEqual([
      [1026, 3010],
      [1024, undefined],
    ])
  })

  it("should speak with Coze's default voice until a speech.update names one, then with that voice", async () => {
    c.send('input_text_buffer.append', { delta: '一' })
    c.send('input_text_buffer.complete')
    await c.until((f) => f.event_type === 'speech.audio.completed')
    c.send('speech.update', { output_audio: { voice_id: 'voice-b', codec: 'pcm' } })
    const updated = await c.until((f) => f.event_type === 'speech.updated')
    expect(updated.data.output_audio).toMatchObject({ voice_id: 'voice-b' })
    c.send('input_text_buffer.append', { delta: '二' })
    c.send('input_text_buffer.complete')
    await c.until((f, i) => f.event_type === 'speech.audio.completed' && i > c.frames.indexOf(updated))
    expect(sim.audioSessions[0]!.rounds).toEqual([
      { text: '一', bytes: 3, voiceId: '7426720361733046281' },
      { text: '二', bytes: 3, voiceId: 'voice-b' },
    ])
  })

  it('should record the close of the client', async () => {
    c.close()
    await c.closed
    await expect.poll(() => sim.audioSessions[0]?.closeCode, { timeout: 2000 }).toBe(1000)
  })
})
