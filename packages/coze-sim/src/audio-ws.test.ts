import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectAudio, UpgradeRefused, type AudioClient } from './audio-client'
import { PAT, startTestSim } from './test-support'
import type { CozeSim } from './types'

const bearer = { authorization: `Bearer ${PAT}` }

describe('audio WebSockets: auth, envelope, faults', () => {
  let sim: CozeSim
  let wsBase: string
  const open: AudioClient[] = []
  const connect = async (path: string, headers: Record<string, string> = bearer) => {
    const c = await connectAudio(wsBase + path, { headers })
    open.push(c)
    return c
  }
  beforeEach(async () => {
    sim = await startTestSim({ audio: { bytesPerSecond: 0, chunkBytes: 1000, bytesPerCharacter: 1000 } })
    wsBase = sim.url.replace(/^http/, 'ws')
  })
  afterEach(async () => {
    for (const c of open.splice(0)) c.ws.terminate()
    await sim.close()
  })

  it('should accept the token as a header and record where it came from', async () => {
    const c = await connect('/v1/audio/speech')
    const created = await c.until((f) => f.event_type === 'speech.created')
    expect(c.frames[0]).toBe(created)
    expect(sim.audioSessions).toMatchObject([{ kind: 'speech', authVia: 'header', path: '/v1/audio/speech' }])
    expect(sim.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: '/v1/audio/speech',
      authorization: bearer.authorization,
    })
  })

  it('should accept the token in the authorization query, as the js SDK sends it', async () => {
    const c = await connect(`/v1/audio/transcriptions?authorization=Bearer%20${PAT}`, {})
    await c.until((f) => f.event_type === 'transcriptions.created')
    expect(sim.audioSessions[0]).toMatchObject({ kind: 'transcriptions', authVia: 'query' })
  })

  it('should stamp every server frame with a uuid id and detail.logid/respond_at', async () => {
    const c = await connect('/v1/audio/speech')
    c.send('input_text_buffer.append', { delta: '你好' })
    c.send('input_text_buffer.complete')
    await c.until((f) => f.event_type === 'speech.audio.completed')
    const logids = new Set(c.frames.map((f) => f.detail?.logid))
    expect(logids.size).toBe(1)
    for (const f of c.frames) {
      expect(f.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(f.detail?.logid).toMatch(/^\d{14}[0-9A-F]{20}$/)
      expect(Number(f.detail?.respond_at)).toBeGreaterThan(1.7e12)
    }
  })

  it.each([
    ['no token', {}],
    ['an unknown token', { authorization: 'Bearer pat_nope' }],
  ])('should refuse the upgrade with 401 and the JSON envelope for %s', async (_, headers) => {
    const err = await connect('/v1/audio/speech', headers).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UpgradeRefused)
    const refused = err as UpgradeRefused
    expect(refused.status).toBe(401)
    expect(JSON.parse(refused.body)).toEqual({
      code: 4100,
      msg: 'authentication is invalid',
      detail: { logid: refused.headers['x-tt-logid'] },
    })
    expect(sim.stats.authFailures).toBe(1)
  })

  it('should refuse the next n upgrades with rejectNextAuth', async () => {
    sim.faults.rejectNextAuth(1)
    await expect(connect('/v1/audio/speech')).rejects.toMatchObject({ status: 401 })
    await expect(connect('/v1/audio/speech')).resolves.toBeDefined()
  })

  it('should answer an auth error frame instead of *.created with audioAuthErrorFrames', async () => {
    sim.faults.audioAuthErrorFrames(1)
    const c = await connect('/v1/audio/speech')
    const { code } = await c.closed
    expect(c.frames.map((f) => [f.event_type, f.data?.code])).toEqual([['error', 4100]])
    expect(code).toBe(1008)
    const next = await connect('/v1/audio/speech')
    await next.until((f) => f.event_type === 'speech.created')
  })

  it('should answer an unknown event or a non-JSON frame with error 4000 and keep the session', async () => {
    const c = await connect('/v1/audio/speech')
    c.send('conversation.chat.cancel')
    c.ws.send('not json')
    await c.until((_, i) => i === 2)
    expect(c.frames.slice(1).map((f) => [f.event_type, f.data?.code])).toEqual([
      ['error', 4000],
      ['error', 4000],
    ])
    expect(sim.audioSessions[0]!.received).toEqual(['conversation.chat.cancel'])
    expect(c.ws.readyState).toBe(c.ws.OPEN)
  })

  it('should cut the socket without a close frame after n audio frames with audioDropAfter', async () => {
    sim.faults.audioDropAfter(2)
    const c = await connect('/v1/audio/speech')
    c.send('input_text_buffer.append', { delta: '一二三四五' })
    c.send('input_text_buffer.complete')
    const { code } = await c.closed
    expect(code).toBe(1006)
    expect(c.frames.filter((f) => f.event_type === 'speech.audio.update')).toHaveLength(2)
    expect(sim.audioSessions[0]!.closedAt).toBeDefined()
  })

  it('should send error 5000 and close 1011 after n audio frames with audioErrorAfter', async () => {
    sim.faults.audioErrorAfter(1)
    const c = await connect('/v1/audio/transcriptions')
    c.send('input_audio_buffer.append', { delta: Buffer.alloc(100).toString('base64') })
    c.send('input_audio_buffer.append', { delta: Buffer.alloc(100).toString('base64') })
    const { code } = await c.closed
    expect(code).toBe(1011)
    expect(c.frames.at(-1)).toMatchObject({ event_type: 'error', data: { code: 5000 } })
    expect(sim.audioSessions[0]!.audioBytes).toBe(100)
  })

  it('should forget audio faults and sessions on reset()', async () => {
    sim.faults.audioDropAfter(0)
    await connect('/v1/audio/speech')
    sim.reset()
    expect(sim.audioSessions).toHaveLength(0)
    const c = await connect('/v1/audio/speech')
    c.send('input_text_buffer.append', { delta: '好' })
    c.send('input_text_buffer.complete')
    await c.until((f) => f.event_type === 'speech.audio.completed')
  })
})
