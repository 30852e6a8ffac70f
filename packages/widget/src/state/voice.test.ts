// @vitest-environment node
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeAudioContext, FakeSocket } from '../voice/voice.fixtures'
import { toBase64, floatToPcm16 } from '../voice/pcm'
import { apiError, DONE, META, setup, sse, streamOf, waitFor } from './actions.fixtures'
import { createVoice, joinDraft, type VoiceDeps } from './voice'

const ticketOk = () => new Response(JSON.stringify({ ticket: 'T', expiresAt: 'x' }), { status: 200 })

function voiceSetup(over: Partial<VoiceDeps> = {}, ticket: (n: number) => Response = ticketOk) {
  let draft = 'Hi'
  let token = 'tok1'
  let tickets = 0
  const calls: { path: string; body: unknown; auth: string }[] = []
  const micStop = vi.fn()
  let feed: ((s: Float32Array, rate: number) => void) | null = null
  const ctx = new FakeAudioContext()
  const deps: VoiceDeps = {
    apiBase: () => 'https://chat.example',
    token: () => token,
    refreshToken: vi.fn(async () => (token = 'tok2')),
    fetch: async (input, init = {}) => {
      calls.push({
        path: new URL(String(input)).pathname,
        body: JSON.parse(String(init.body)),
        auth: (init.headers as Record<string, string>).Authorization!,
      })
      return ticket(++tickets)
    },
    sendMode: () => 'confirm',
    getDraft: () => draft,
    setDraft: (t) => void (draft = t),
    send: vi.fn(),
    onError: vi.fn(),
    WebSocket: FakeSocket,
    startMic: vi.fn(async (on) => {
      feed = on
      return { stop: micStop }
    }),
    audioContext: () => ctx,
    support: { dictate: true, speak: true },
    ...over,
  }
  const voice = createVoice(deps)
  return { voice, deps, calls, micStop, ctx, draft: () => draft, feed: (s: Float32Array) => feed!(s, 48_000) }
}

beforeEach(() => void (FakeSocket.all = []))

describe('dictation', () => {
  it('should fetch an asr ticket, stream 16 kHz PCM, fill the draft as the text updates, keep it on stop', async () => {
    const t = voiceSetup()
    const started = t.voice.startDictation()
    expect(t.voice.mic.value).toBe('starting')
    await started
    expect(t.voice.mic.value).toBe('recording')
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    expect(t.calls).toEqual([{ path: '/api/voice/ticket', body: { purpose: 'asr' }, auth: 'Bearer tok1' }])
    const ws = FakeSocket.last()
    expect(ws.url).toBe('wss://chat.example/api/voice/asr?ticket=T')
    ws.open()
    t.feed(new Float32Array(4800).fill(0.5)) // 100 ms at 48 kHz → 1600 samples at 16 kHz = one frame
    expect(ws.types()).toEqual(['transcriptions.update', 'input_audio_buffer.append'])
    expect(ws.sent[1]!.data!.delta).toBe(toBase64(floatToPcm16(new Float32Array(1600).fill(0.5))))

    ws.receive('transcriptions.message.update', { content: 'what is' })
    expect(t.draft()).toBe('Hi what is')
    ws.receive('transcriptions.message.update', { content: 'what is the weather' })
    expect(t.draft()).toBe('Hi what is the weather')

    const stopped = t.voice.stopDictation()
    expect(t.voice.mic.value).toBe('finishing')
    expect(t.micStop).toHaveBeenCalled()
    expect(ws.types().at(-1)).toBe('input_audio_buffer.complete')
    ws.receive('transcriptions.message.completed')
    await stopped
    expect(t.voice.mic.value).toBe('idle')
    expect(t.draft()).toBe('Hi what is the weather')
    expect(t.deps.send).not.toHaveBeenCalled() // confirm mode: the user sends
  })

  it('should send the draft on release with voice-send="release"', async () => {
    const t = voiceSetup({ sendMode: () => 'release', getDraft: () => 'hello' })
    await t.voice.startDictation()
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    FakeSocket.last().open()
    FakeSocket.last().receive('transcriptions.message.update', { content: 'hello' })
    const stopped = t.voice.stopDictation()
    FakeSocket.last().receive('transcriptions.message.completed')
    await stopped
    expect(t.deps.send).toHaveBeenCalledWith('hello')
  })

  it('should stop right after starting when released while the microphone was opening', async () => {
    const t = voiceSetup()
    const started = t.voice.startDictation()
    void t.voice.stopDictation()
    await started
    expect(t.voice.mic.value).toBe('finishing')
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    FakeSocket.last().open()
    expect(FakeSocket.last().types()).toContain('input_audio_buffer.complete')
  })

  it('should map NotAllowedError to the permission message and report it', async () => {
    const denied = Object.assign(new Error('denied'), { name: 'NotAllowedError' })
    const t = voiceSetup({ startMic: () => Promise.reject(denied) })
    await t.voice.startDictation()
    expect(t.voice.problem.value).toBe('voicePermission')
    expect(t.voice.mic.value).toBe('idle')
    expect(t.deps.onError).toHaveBeenCalledWith({ code: 'VOICE_PERMISSION_DENIED', message: 'denied' })
    // No socket left behind (the ticket may have been fetched, the socket is closed or never opened).
    expect(FakeSocket.all.every((s) => s.readyState !== 1)).toBe(true)
  })

  it('should say unsupported without touching the network', async () => {
    const t = voiceSetup({ support: { dictate: false, speak: false } })
    await t.voice.startDictation()
    await t.voice.speak('m1', 'answer')
    expect(t.voice.problem.value).toBe('voiceUnsupported')
    expect(t.calls).toEqual([])
    expect(t.deps.onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'VOICE_UNSUPPORTED' }))
  })

  it('should show a relay error frame, release the microphone and keep the text so far', async () => {
    const t = voiceSetup()
    await t.voice.startDictation()
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    FakeSocket.last().open()
    FakeSocket.last().receive('transcriptions.message.update', { content: 'part' })
    FakeSocket.last().receive('error', { code: 'VOICE_TIME_LIMIT', msg: 'too long' })
    await waitFor(() => expect(t.voice.mic.value).toBe('idle'))
    expect(t.voice.problem.value).toBe('voiceFailed')
    expect(t.micStop).toHaveBeenCalled()
    expect(t.draft()).toBe('Hi part')
    expect(t.deps.onError).toHaveBeenCalledWith({ code: 'VOICE_TIME_LIMIT', message: 'too long' })
  })

  it('should refresh the token once on a 401 ticket, and show 429 as rate limited', async () => {
    const t = voiceSetup({}, (n) => (n === 1 ? apiError(401, 'TOKEN_INVALID') : ticketOk()))
    await t.voice.startDictation()
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    expect(t.calls.map((c) => c.auth)).toEqual(['Bearer tok1', 'Bearer tok2'])

    const u = voiceSetup({}, () => apiError(429, 'RATE_LIMITED', { 'Retry-After': '30' }))
    await u.voice.startDictation()
    await waitFor(() => expect(u.voice.problem.value).toBe('rateLimitedSoon'))
    expect(u.voice.mic.value).toBe('idle')
    expect(u.deps.onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'RATE_LIMITED', status: 429 }),
    )
  })

  it('should join typed text and the transcript sensibly', () => {
    expect(joinDraft('', '你好')).toBe('你好')
    expect(joinDraft('Hi', 'there')).toBe('Hi there')
    expect(joinDraft('Hi ', 'there')).toBe('Hi there')
    expect(joinDraft('Hi', '')).toBe('Hi')
  })
})

describe('read-aloud', () => {
  const chunk = (v: number) => toBase64(floatToPcm16(new Float32Array(240).fill(v)))

  it('should fetch a tts ticket, send the answer as plain text, and play chunks as they arrive', async () => {
    const t = voiceSetup()
    const playing = t.voice.speak('m1', '**你好**，[世界](https://x.example)')
    expect(t.voice.speaking.value).toBe('m1')
    expect(t.ctx.resumed).toBe(1) // inside the click
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    const ws = FakeSocket.last()
    expect(ws.url).toBe('wss://chat.example/api/voice/tts?ticket=T')
    expect(t.calls[0]!.body).toEqual({ purpose: 'tts' })
    ws.open()
    expect(ws.sent[0]!.data).toEqual({ delta: '你好，世界' })
    ws.receive('speech.created')
    ws.receive('speech.audio.update', { delta: chunk(0.25) })
    expect(t.ctx.sources).toHaveLength(1) // playing before the rest arrives
    ws.receive('speech.audio.update', { delta: chunk(-0.25) })
    ws.receive('speech.audio.completed')
    expect(t.ctx.sources.map((s) => s.buffer!.data[0])).toEqual([0.25, -0.25])
    expect(t.voice.samplesPlayed()).toBe(480)
    t.ctx.sources.forEach((s) => s.finish())
    await playing
    expect(t.voice.speaking.value).toBeNull()
  })

  it('should stop on a second click and switch to another answer', async () => {
    const t = voiceSetup()
    void t.voice.speak('m1', 'one')
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    FakeSocket.last().open()
    FakeSocket.last().receive('speech.audio.update', { delta: chunk(0.1) })
    void t.voice.speak('m2', 'two')
    expect(t.voice.speaking.value).toBe('m2')
    expect(t.ctx.sources[0]!.stopped).toBe(true)
    expect(FakeSocket.all[0]!.closedWith).toBe(1000)
    await t.voice.speak('m2', 'two')
    expect(t.voice.speaking.value).toBeNull()
    expect(t.voice.problem.value).toBeNull()
  })

  it('should show an upstream drop and stop playback', async () => {
    const t = voiceSetup()
    const playing = t.voice.speak('m1', 'one')
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    FakeSocket.last().open()
    FakeSocket.last().receive('error', { code: 'UPSTREAM_INTERRUPTED', msg: 'gone' })
    await playing
    expect(t.voice.problem.value).toBe('voiceFailed')
    expect(t.voice.speaking.value).toBeNull()
    expect(t.deps.onError).toHaveBeenCalledWith({ code: 'UPSTREAM_INTERRUPTED', message: 'gone' })
  })
})

describe('text chat alongside voice', () => {
  it('should send and stream an answer while a voice failure is shown', async () => {
    const chat = setup(() => streamOf(sse(META, [1, 'delta', { text: 'ok' }], DONE(2))))
    const t = voiceSetup({
      startMic: () => Promise.reject(Object.assign(new Error('x'), { name: 'NotAllowedError' })),
      send: (text) => void chat.chat.send(text),
    })
    await t.voice.startDictation()
    expect(t.voice.problem.value).toBe('voicePermission')
    expect(chat.chat.send('typed question')).toBe(true)
    await chat.settled()
    expect(chat.message()).toMatchObject({ question: 'typed question', answer: 'ok', status: 'completed' })
    expect(chat.deps.onError).not.toHaveBeenCalled()
  })
})
