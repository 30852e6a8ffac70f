/**
 * The per-connection timers: idle timeout, maximum duration, ping keepalive. Short settings make the
 * timers fire quickly; every wait is bounded and nothing asserts on how fast the machine is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { startStack, type Stack } from '../../test/harness'
import { openVoice, ticketFor, voiceUrl, waitFor } from '../../test/voice'

describe('voice connection timers', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({
      backend: 'embedded',
      pat: 'ok',
      env: { VOICE_IDLE_TIMEOUT_MS: '1000', VOICE_MAX_DURATION_MS: '2000', VOICE_PING_INTERVAL_MS: '100' },
    })
  })
  afterAll(() => stack?.close())

  it('should close a connection on which nothing moved for the idle timeout, and its Coze socket', async () => {
    const user = await stack.newUser()
    const c = await openVoice(stack, user.token, 'tts')
    const { code } = await c.closed
    expect(code).toBe(1008)
    expect(c.frames.map((f) => f.event_type)).toEqual(['speech.created', 'error'])
    expect(c.frames[1]!.data.code).toBe('VOICE_IDLE_TIMEOUT')
    await waitFor(
      () => stack.sim.audioSessions.at(-1)!.closedAt,
      (t) => t !== undefined,
      2000,
    )
  })

  it('should end a busy connection at the maximum duration', async () => {
    const user = await stack.newUser()
    const c = await openVoice(stack, user.token, 'asr')
    const keepBusy = setInterval(() => c.send('input_audio_buffer.clear'), 200)
    try {
      const { code } = await c.closed
      expect(code).toBe(1008)
      expect(c.frames.at(-1)).toMatchObject({ event_type: 'error', data: { code: 'VOICE_TIME_LIMIT' } })
      expect(c.frames.filter((f) => f.event_type === 'input_audio_buffer.cleared').length).toBeGreaterThan(3)
    } finally {
      clearInterval(keepBusy)
    }
  })

  it('should ping the browser, and drop a browser that stops answering pings', async () => {
    const user = await stack.newUser()
    const answering = await openVoice(stack, user.token, 'tts')
    let pings = 0
    answering.ws.on('ping', () => pings++)
    await waitFor(
      () => pings,
      (n) => n >= 3,
      2000,
    )
    expect(answering.ws.readyState).toBe(WebSocket.OPEN)
    answering.close()

    const mute = new WebSocket(voiceUrl(stack, 'tts', await ticketFor(stack, user.token, 'tts')), {
      autoPong: false,
    })
    const closed = new Promise<number>((resolve) => mute.on('close', (code) => resolve(code)))
    expect(await closed).toBe(1006) // terminated, no close frame
    await waitFor(
      () => stack.sim.audioSessions.at(-1)!.closedAt,
      (t) => t !== undefined,
      2000,
    )
  })

  it('should tell open connections why on shutdown: INTERRUPTED, then close 1001', async () => {
    const other = await startStack({ backend: 'embedded', pat: 'ok' })
    const user = await other.newUser()
    const c = await openVoice(other, user.token, 'asr')
    await c.until((f) => f.event_type === 'transcriptions.created')
    await other.close()
    const { code } = await c.closed
    expect(code).toBe(1001)
    expect(c.frames.at(-1)).toMatchObject({ event_type: 'error', data: { code: 'INTERRUPTED' } })
  })
})
