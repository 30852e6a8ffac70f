import { describe, expect, it } from 'vitest'
import { CLIENT_EVENTS, errorFrame, parseClientFrame, peekServerFrame } from './frames'

describe('parseClientFrame', () => {
  it('should accept exactly the client events of coze-protocol §5.3 on tts and §5.4 on asr', () => {
    expect([...CLIENT_EVENTS.tts]).toEqual([
      'speech.update',
      'input_text_buffer.append',
      'input_text_buffer.complete',
    ])
    expect([...CLIENT_EVENTS.asr]).toEqual([
      'transcriptions.update',
      'input_audio_buffer.append',
      'input_audio_buffer.complete',
      'input_audio_buffer.clear',
    ])
  })

  it('should re-serialise an allowed event with only id, event_type and data', () => {
    const text = JSON.stringify({
      id: 'c1',
      event_type: 'input_text_buffer.append',
      data: { delta: '你好' },
      x: 1,
    })
    const r = parseClientFrame('tts', text)
    expect(r).toEqual({
      ok: true,
      frame: {
        eventType: 'input_text_buffer.append',
        data: { delta: '你好' },
        text: '{"id":"c1","event_type":"input_text_buffer.append","data":{"delta":"你好"}}',
      },
    })
    expect(parseClientFrame('asr', '{"event_type":"input_audio_buffer.complete"}')).toMatchObject({
      ok: true,
      frame: { text: '{"event_type":"input_audio_buffer.complete"}' },
    })
  })

  it.each([
    ['a binary frame', 'tts', undefined, /Binary/],
    ['non-JSON', 'tts', '{nope', /not JSON/],
    ['no event_type', 'tts', '{"data":{}}', /event_type/],
    ['an array', 'tts', '[1]', /event_type/],
    [
      'an ASR event on tts',
      'tts',
      '{"event_type":"input_audio_buffer.append","data":{"delta":"AA"}}',
      /not accepted/,
    ],
    ['a voice-chat event', 'asr', '{"event_type":"conversation.message.create"}', /not accepted/],
    ['a bad id', 'tts', '{"id":"a b","event_type":"input_text_buffer.complete"}', /id must/],
    ['data that is not an object', 'tts', '{"event_type":"speech.update","data":"x"}', /data must/],
    ['an append without a delta', 'asr', '{"event_type":"input_audio_buffer.append","data":{}}', /delta/],
  ] as const)('should refuse %s', (_, purpose, text, reason) => {
    const r = parseClientFrame(purpose, text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(reason)
  })
})

describe('peekServerFrame', () => {
  it('should read event_type and data, and tolerate junk', () => {
    expect(peekServerFrame('{"event_type":"speech.audio.update","data":{"delta":"AAAA"}}')).toEqual({
      eventType: 'speech.audio.update',
      data: { delta: 'AAAA' },
    })
    expect(peekServerFrame('nope')).toEqual({})
    expect(peekServerFrame('"str"')).toEqual({})
  })
})

describe('errorFrame', () => {
  it("should be Coze's envelope with the catalogue's wire code and the request id as logid", () => {
    const f = JSON.parse(errorFrame('VC_ERR_EVENT_NOT_ALLOWED', 'req-1', 'why'))
    expect(f).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      event_type: 'error',
      data: { code: 'EVENT_NOT_ALLOWED', msg: 'why' },
      detail: { logid: 'req-1', respond_at: expect.stringMatching(/^\d{13}$/) },
    })
    expect(JSON.parse(errorFrame('VC_ERR_VOICE_IDLE_TIMEOUT', 'r')).data.msg).toMatch(/too long/)
  })
})
