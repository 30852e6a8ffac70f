import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectAudio, type AudioClient } from './audio-client'
import { sampleSpeechWav } from './audio-fixture'
import { bytesPerSecond, parseWav } from './audio-wav'
import { PAT, startTestSim } from './test-support'
import type { CozeSim } from './types'

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

describe('ASR WebSocket /v1/audio/transcriptions', () => {
  let sim: CozeSim
  let c: AudioClient
  beforeEach(async () => {
    sim = await startTestSim({ audio: { transcript: '今天天气不错。' } })
    c = await connectAudio(`${sim.url.replace(/^http/, 'ws')}/v1/audio/transcriptions`, {
      headers: { authorization: `Bearer ${PAT}` },
    })
  })
  afterEach(async () => {
    c.ws.terminate()
    await sim.close()
  })

  it('should take a real WAV in chunks and send the full text so far, then the final text', async () => {
    const { wav, format } = sampleSpeechWav()
    c.send('transcriptions.update', { input_audio: { format: 'wav', codec: 'pcm' } })
    for (let at = 0; at < wav.length; at += 3200) {
      c.send('input_audio_buffer.append', { delta: wav.subarray(at, at + 3200).toString('base64') })
    }
    c.send('input_audio_buffer.complete')
    await c.until((f) => f.event_type === 'transcriptions.message.completed')

    const types = c.frames.map((f) => f.event_type)
    expect(types.slice(0, 2)).toEqual(['transcriptions.created', 'transcriptions.updated'])
    expect(types.slice(-3)).toEqual([
      'input_audio_buffer.completed',
      'transcriptions.message.update',
      'transcriptions.message.completed',
    ])
    const contents = c.frames
      .filter((f) => f.event_type === 'transcriptions.message.update')
      .map((f) => f.data.content as string)
    expect(contents.at(-1)).toBe('今天天气不错。')
    // Cumulative, never a delta: each update extends the one before.
    contents.forEach((text, i) => expect(text.startsWith(contents[i - 1] ?? '')).toBe(true))
    const seconds = (wav.length - 44) / bytesPerSecond(format)
    expect(contents.length - 1).toBe(Math.min(6, Math.floor(seconds / 0.5)))

    const session = sim.audioSessions[0]!
    expect(session).toMatchObject({ audioBytes: wav.length, audioSha256: sha256(wav) })
    expect(session.wav).toEqual(parseWav(wav))
  })

  it('should start over on input_audio_buffer.clear', async () => {
    c.send('input_audio_buffer.append', { delta: Buffer.alloc(48_000).toString('base64') })
    c.send('input_audio_buffer.clear')
    await c.until((f) => f.event_type === 'input_audio_buffer.cleared')
    expect(sim.audioSessions[0]).toMatchObject({ audioBytes: 0, audioSha256: '' })
    c.send('input_audio_buffer.complete')
    const last = await c.until((f, i) => f.event_type === 'transcriptions.message.update' && i > 2)
    expect(last.data.content).toBe('')
  })

  it('should answer an append without base64 audio with error 4000', async () => {
    c.send('input_audio_buffer.append', { delta: 42 })
    const err = await c.until((f) => f.event_type === 'error')
    expect(err.data.code).toBe(4000)
  })
})
