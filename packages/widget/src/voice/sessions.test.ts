// @vitest-environment node
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { VcApiError } from '../api/http'
import { APPEND_BYTES, INPUT_AUDIO, startAsr } from './asr-session'
import { encodeFrame, parseFrame, voiceSocketUrl, VoiceError, wsBase, type VoiceSocketDeps } from './frames'
import { fromBase64, toBase64 } from './pcm'
import { TEXT_CHUNK, startTts } from './tts-session'
import { FakeSocket } from './voice.fixtures'

const waitFor = (check: () => void) => vi.waitFor(check, { interval: 1 })

function deps(over: Partial<VoiceSocketDeps> = {}) {
  const getTicket = vi.fn(async (p: string) => `ticket-${p}/+`)
  return { apiBase: () => 'https://chat.example/', getTicket, WebSocket: FakeSocket, ...over }
}

beforeEach(() => void (FakeSocket.all = []))

describe('frames', () => {
  it('should build ws(s) URLs from the API base or the page origin', () => {
    expect(wsBase('https://chat.example/')).toBe('wss://chat.example')
    expect(wsBase('http://localhost:3000')).toBe('ws://localhost:3000')
    expect(wsBase('', 'https://site.example')).toBe('wss://site.example')
    expect(voiceSocketUrl('https://c.example', 'asr', 'a+b/c')).toBe(
      'wss://c.example/api/voice/asr?ticket=a%2Bb%2Fc',
    )
  })

  it('should encode the envelope and parse only envelopes', () => {
    const f = JSON.parse(encodeFrame('input_text_buffer.append', { delta: 'x' })) as Record<string, unknown>
    expect(f).toMatchObject({ event_type: 'input_text_buffer.append', data: { delta: 'x' } })
    expect(typeof f.id).toBe('string')
    expect(JSON.parse(encodeFrame('input_text_buffer.complete'))).not.toHaveProperty('data')
    expect(parseFrame('{"event_type":"speech.created"}')).toEqual({ event_type: 'speech.created', data: {} })
    expect(parseFrame('nope')).toBeUndefined()
    expect(parseFrame('{"data":{}}')).toBeUndefined()
    expect(parseFrame(new ArrayBuffer(2))).toBeUndefined()
  })
})

describe('startTts', () => {
  it('should fetch a tts ticket, send the text then complete, and hand audio on in order', async () => {
    const d = deps()
    const chunks: number[][] = []
    const s = startTts(d, '你好，世界', (pcm) => chunks.push([...pcm]))
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    const ws = FakeSocket.last()
    expect(d.getTicket).toHaveBeenCalledWith('tts')
    expect(ws.url).toBe('wss://chat.example/api/voice/tts?ticket=ticket-tts%2F%2B')
    ws.open()
    expect(ws.sent.map((f) => [f.event_type, f.data])).toEqual([
      ['input_text_buffer.append', { delta: '你好，世界' }],
      ['input_text_buffer.complete', undefined],
    ])
    ws.receive('speech.created')
    ws.receive('input_text_buffer.completed')
    ws.receive('speech.audio.update', { delta: toBase64(new Uint8Array([1, 2])) })
    ws.receive('speech.audio.update', { delta: toBase64(new Uint8Array([3, 4, 5, 6])) })
    ws.receive('speech.audio.completed')
    await s.done
    expect(chunks).toEqual([
      [1, 2],
      [3, 4, 5, 6],
    ])
    expect(ws.closedWith).toBe(1000)
  })

  it('should split long text over several appends', async () => {
    startTts(deps(), 'a'.repeat(TEXT_CHUNK * 2 + 1), () => {})
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    FakeSocket.last().open()
    const deltas = FakeSocket.last().sent.map((f) => (f.data?.delta as string | undefined)?.length)
    expect(deltas).toEqual([TEXT_CHUNK, TEXT_CHUNK, 1, undefined])
  })

  it('should reject with the error frame and close', async () => {
    const s = startTts(deps(), 'x', () => {})
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    const ws = FakeSocket.last()
    ws.open()
    ws.receive('error', { code: 'RATE_LIMITED', msg: 'too much audio' })
    await expect(s.done).rejects.toMatchObject({
      name: 'VoiceError',
      code: 'RATE_LIMITED',
      message: 'too much audio',
    })
    expect(ws.closedWith).toBe(1000)
  })

  it('should reject when the socket drops mid-stream, and when the ticket fails', async () => {
    const s = startTts(deps(), 'x', () => {})
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    FakeSocket.last().open()
    FakeSocket.last().drop()
    await expect(s.done).rejects.toBeInstanceOf(VoiceError)
    const err = new VcApiError({ status: 429, code: 'RATE_LIMITED', message: 'slow down' })
    const t = startTts(deps({ getTicket: () => Promise.reject(err) }), 'x', () => {})
    await expect(t.done).rejects.toBe(err)
    expect(FakeSocket.all).toHaveLength(1)
  })

  it('should stop quietly: no more audio, socket closed, done resolved', async () => {
    const onAudio = vi.fn()
    const s = startTts(deps(), 'x', onAudio)
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    const ws = FakeSocket.last()
    ws.open()
    s.stop()
    ws.receive('speech.audio.update', { delta: 'AAA=' })
    await s.done
    expect(onAudio).not.toHaveBeenCalled()
    expect(ws.closedWith).toBe(1000)
    // Stopped before the ticket came back: no socket at all.
    const early = startTts(deps(), 'x', onAudio)
    early.stop()
    await early.done
    await new Promise((r) => setTimeout(r, 5))
    expect(FakeSocket.all).toHaveLength(1)
  })
})

describe('startAsr', () => {
  const audio = (n: number, fill = 1) => new Uint8Array(n).fill(fill)

  it('should announce PCM 16 kHz, send audio held from before the open, in 100 ms frames, then complete', async () => {
    const texts: string[] = []
    const d = deps()
    const s = startAsr(d, (t) => texts.push(t))
    s.push(audio(APPEND_BYTES / 2, 1))
    s.push(audio(APPEND_BYTES / 2, 2)) // a whole frame: queued until the socket opens
    s.push(audio(10, 3))
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    const ws = FakeSocket.last()
    expect(d.getTicket).toHaveBeenCalledWith('asr')
    expect(ws.url).toBe('wss://chat.example/api/voice/asr?ticket=ticket-asr%2F%2B')
    ws.open()
    expect(ws.types()).toEqual(['transcriptions.update', 'input_audio_buffer.append'])
    expect(ws.sent[0]!.data).toEqual({ input_audio: INPUT_AUDIO })
    expect(INPUT_AUDIO).toEqual({
      format: 'pcm',
      codec: 'pcm',
      sample_rate: 16000,
      channel: 1,
      bit_depth: 16,
    })
    const first = fromBase64(ws.sent[1]!.data!.delta as string)
    expect(first.length).toBe(APPEND_BYTES)
    expect([first[0], first.at(-1)]).toEqual([1, 2])

    ws.receive('transcriptions.created')
    ws.receive('transcriptions.message.update', { content: '今天' })
    ws.receive('transcriptions.message.update', { content: '今天天气' })
    expect(texts).toEqual(['今天', '今天天气'])

    const final = s.finish()
    expect(ws.types().slice(2)).toEqual(['input_audio_buffer.append', 'input_audio_buffer.complete'])
    expect([...fromBase64(ws.sent[2]!.data!.delta as string)]).toEqual([...audio(10, 3)])
    s.push(audio(10)) // after finish: ignored
    ws.receive('input_audio_buffer.completed')
    ws.receive('transcriptions.message.update', { content: '今天天气不错。' })
    ws.receive('transcriptions.message.completed')
    await expect(final).resolves.toBe('今天天气不错。')
    expect(texts.at(-1)).toBe('今天天气不错。')
    expect(ws.sent).toHaveLength(4)
    expect(ws.closedWith).toBe(1000)
  })

  it('should complete once open when finished before the socket opened', async () => {
    const s = startAsr(deps(), () => {})
    s.push(audio(100))
    const final = s.finish()
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    const ws = FakeSocket.last()
    ws.open()
    expect(ws.types()).toEqual([
      'transcriptions.update',
      'input_audio_buffer.append',
      'input_audio_buffer.complete',
    ])
    ws.receive('transcriptions.message.update', { content: 'ok' })
    ws.drop(1000) // Coze closes after its last frame without `completed`: keep the text
    await expect(final).resolves.toBe('ok')
  })

  it('should reject on an error frame or a drop before finishing', async () => {
    const a = startAsr(deps(), () => {})
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    FakeSocket.last().open()
    FakeSocket.last().receive('error', { code: 4101, msg: 'bad audio' })
    await expect(a.done).rejects.toMatchObject({ code: '4101', message: 'bad audio' })

    const b = startAsr(deps(), () => {})
    await waitFor(() => expect(FakeSocket.all).toHaveLength(2))
    FakeSocket.last().open()
    FakeSocket.last().drop()
    await expect(b.done).rejects.toMatchObject({ code: 'VOICE_INTERRUPTED' })
  })

  it('should keep the text so far when the final result never comes', async () => {
    vi.useFakeTimers()
    try {
      const s = startAsr(deps(), () => {}, { finalTimeoutMs: 50 })
      await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(1))
      FakeSocket.last().open()
      FakeSocket.last().receive('transcriptions.message.update', { content: 'half' })
      const final = s.finish()
      await vi.advanceTimersByTimeAsync(60)
      await expect(final).resolves.toBe('half')
    } finally {
      vi.useRealTimers()
    }
  })
})
