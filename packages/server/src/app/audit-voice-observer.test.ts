import { describe, expect, it, vi } from 'vitest'
import type { Audit } from '../audit/audit'
import { auditVoiceObserver } from './audit-voice-observer'

describe('auditVoiceObserver', () => {
  it('should record ticket issue, connection open and close with duration and bytes', () => {
    const record = vi.fn(async () => undefined)
    const o = auditVoiceObserver({ record } as unknown as Audit)
    const conn = {
      connectionId: 'c1',
      userId: 'u1',
      sessionId: 's1',
      purpose: 'tts' as const,
      requestId: 'r1',
      clientIp: '127.0.0.1',
    }
    o.ticketIssued?.({ userId: 'u1', sessionId: 's1', purpose: 'tts', clientIp: '127.0.0.1' })
    o.connectionOpened?.(conn)
    o.connectionClosed?.({
      ...conn,
      durationMs: 1234,
      framesIn: 2,
      bytesIn: 100,
      framesOut: 10,
      bytesOut: 48_000,
      audioSeconds: 1,
      peakBufferedToBrowser: 0,
      peakBufferedToCoze: 0,
      pausesOfCoze: 0,
      pausesOfBrowser: 0,
      closeCode: 1000,
      reason: 'completed',
    })
    expect(record.mock.calls.map((c) => (c as unknown as [{ action: string }])[0].action)).toEqual([
      'voice.ticket',
      'voice.open',
      'voice.close',
    ])
    expect((record.mock.calls[2] as unknown as [{ detail: object }])[0].detail).toMatchObject({
      durationMs: 1234,
      bytesOut: 48_000,
    })
  })
})
