/**
 * Issue 18 "Must show" 7: reading aloud a 1,500-character Chinese answer. Coze takes at most 1024 bytes
 * per synthesis request (error 3010 beyond, coze-protocol §9 row 5): every request the sim saw is within
 * it, all of the text was spoken, in order, with COZE_VOICE_ID (§9 row 12), over the WebSocket and over
 * the REST fallback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { audioOf, parseWav, type SimAudioSession } from '@volcano-chat/coze-sim'
import { startStack, type Stack } from '../../test/harness'
import { openVoice } from '../../test/voice'
import { splitSpeechText } from './speech-split'

const VOICE = '7468512265151725606'

/** 1,500 characters of Chinese prose: sentences, commas, one long run without punctuation. */
function longAnswer(): string {
  const parts: string[] = []
  for (let i = 1; parts.join('').length < 1300; i++) {
    parts.push(`第${i}段：火山引擎的语音合成会把这段回答完整地读出来，`, '一句不漏，顺序不乱。')
    if (i % 4 === 0) parts.push('\n')
  }
  const text = parts.join('') + '长'.repeat(400)
  return [...text].slice(0, 1500).join('')
}

describe('read-aloud of a long answer (1024 bytes per Coze request)', () => {
  let stack: Stack
  const text = longAnswer()
  beforeAll(async () => {
    stack = await startStack({
      backend: 'embedded',
      pat: 'ok',
      sim: { audio: { bytesPerSecond: 0, bytesPerCharacter: 48, chunkBytes: 4800 } },
      env: { COZE_VOICE_ID: VOICE, VOICE_SECONDS_PER_DAY: '0' },
    })
  })
  afterAll(() => stack?.close())

  /** Every request within 1024 bytes, none refused, all in COZE_VOICE_ID, together the whole text. */
  function expectSpokenWhole(sessions: SimAudioSession[]) {
    const rounds = sessions.flatMap((s) => s.rounds)
    expect(rounds.length).toBeGreaterThanOrEqual(5)
    for (const r of rounds) {
      expect(r.bytes).toBeLessThanOrEqual(1024)
      expect(r.voiceId).toBe(VOICE)
      expect(r.error).toBeUndefined()
    }
    expect(rounds.map((r) => r.text).join('')).toBe(text)
    return rounds
  }

  it('should have a 1,500-character answer of more than 1024 bytes', () => {
    expect([...text]).toHaveLength(1500)
    expect(Buffer.byteLength(text)).toBeGreaterThan(4000)
  })

  it('should read it over the WebSocket as one request for the browser, in ≤ 1024-byte requests to Coze', async () => {
    const user = await stack.newUser()
    const before = stack.sim.audioSessions.length
    const c = await openVoice(stack, user.token, 'tts')
    try {
      // As the widget does (widget/src/voice/tts-session.ts): 500-character appends, one complete.
      for (let i = 0; i < text.length; i += 500)
        c.send('input_text_buffer.append', { delta: text.slice(i, i + 500) })
      c.send('input_text_buffer.complete')
      await c.until((f) => f.event_type === 'speech.audio.completed', 20_000)

      const session = stack.sim.audioSessions.slice(before).find((s) => s.kind === 'speech')!
      expect(session.received[0]).toBe('speech.update') // the voice first
      const rounds = expectSpokenWhole([session])
      expect(rounds.map((r) => r.text)).toEqual(splitSpeechText(text))
      const expected = Buffer.concat(rounds.map((r) => stack.sim.speechFor(r.text)))
      expect(audioOf(c.frames).equals(expected)).toBe(true)

      const types = c.frames.map((f) => f.event_type)
      expect(types.filter((t) => t === 'input_text_buffer.completed')).toHaveLength(1)
      expect(types.filter((t) => t === 'speech.audio.completed')).toHaveLength(1)
      expect(types.at(-1)).toBe('speech.audio.completed')
      expect(types.filter((t) => t === 'conversation.audio.sentence_start')).toHaveLength(rounds.length)
      expect(types).not.toContain('error')
    } finally {
      c.ws.terminate()
    }
  })

  it("should add COZE_VOICE_ID to a browser's speech.update that names no voice, and keep one that does", async () => {
    const user = await stack.newUser()
    for (const [update, voice] of [
      [{ codec: 'pcm' }, VOICE],
      [{ codec: 'pcm', voice_id: 'browser-voice' }, 'browser-voice'],
    ] as const) {
      const before = stack.sim.audioSessions.length
      const c = await openVoice(stack, user.token, 'tts')
      try {
        c.send('speech.update', { output_audio: update })
        c.send('input_text_buffer.append', { delta: '你好。' })
        c.send('input_text_buffer.complete')
        await c.until((f) => f.event_type === 'speech.audio.completed')
        const session = stack.sim.audioSessions.slice(before).find((s) => s.kind === 'speech')!
        expect(session.rounds).toEqual([{ text: '你好。', bytes: 9, voiceId: voice }])
      } finally {
        c.ws.terminate()
      }
    }
  })

  it('should read it over REST as one body: pcm runs on, wav gets one streaming header', async () => {
    const user = await stack.newUser()
    const speech = (format: string) =>
      fetch(`${stack.url}/api/voice/speech`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text, format, sampleRate: 16000 }),
      })
    for (const format of ['pcm', 'wav']) {
      const before = stack.sim.audioSessions.length
      const res = await speech(format)
      expect(res.status).toBe(200)
      const body = Buffer.from(await res.arrayBuffer())
      const rounds = expectSpokenWhole(stack.sim.audioSessions.slice(before))
      const expected = Buffer.concat(rounds.map((r) => stack.sim.speechFor(r.text)))
      if (format === 'pcm') {
        expect(res.headers.get('content-type')).toBe('audio/pcm')
        expect(body.equals(expected)).toBe(true)
      } else {
        expect(res.headers.get('content-type')).toBe('audio/wav')
        expect(parseWav(body)).toMatchObject({
          sampleRate: 16000,
          channels: 1,
          bitsPerSample: 16,
          dataOffset: 44,
        })
        expect(body.subarray(44).equals(expected)).toBe(true)
      }
    }
  })
})
