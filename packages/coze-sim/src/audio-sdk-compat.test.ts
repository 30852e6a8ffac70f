/**
 * The official JS SDK (`@coze/api` 1.3.9) against the sim's audio endpoints, unchanged. In Node the SDK
 * sends the token both as a header and in the `authorization` query (coze-protocol.md §5.2).
 */
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CozeAPI, WebsocketsEventType, type WebSocketAPI } from '@coze/api'
import { sampleSpeechWav } from './audio-fixture'
import { PAT, startTestSim } from './test-support'
import type { CozeSim } from './types'

let sim: CozeSim
let client: CozeAPI

beforeAll(async () => {
  sim = await startTestSim({ audio: { bytesPerSecond: 0, chunkBytes: 4000, bytesPerCharacter: 4000 } })
  client = new CozeAPI({ token: PAT, baseURL: sim.url, baseWsURL: sim.url.replace(/^http/, 'ws') })
})
afterAll(() => sim.close())

/** Collects the SDK's parsed events until `last` arrives (bounded). */
function eventsUntil<Req, Res extends { event_type: string }>(ws: WebSocketAPI<Req, Res>, last: string) {
  const events: Res[] = []
  return new Promise<Res[]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${last}: ${events.map((e) => e.event_type)}`)),
      10_000,
    )
    ws.onmessage = (data) => {
      events.push(data)
      if (data.event_type === last) {
        clearTimeout(timer)
        resolve(events)
      }
    }
  })
}

describe('@coze/api audio against coze-sim', () => {
  it('should synthesise speech over the WebSocket with the SDK', async () => {
    const ws = await client.websockets.audio.speech.create({}, { maxRetries: 0 })
    const done = eventsUntil(ws, WebsocketsEventType.SPEECH_AUDIO_COMPLETED)
    ws.onopen = () => {
      ws.send({ id: '1', event_type: WebsocketsEventType.INPUT_TEXT_BUFFER_APPEND, data: { delta: '你好' } })
      ws.send({ id: '2', event_type: WebsocketsEventType.INPUT_TEXT_BUFFER_COMPLETE })
    }
    const events = await done
    ws.close()
    expect(events[0]!.event_type).toBe('speech.created')
    const audio = Buffer.concat(
      events.flatMap((e) =>
        e.event_type === 'speech.audio.update' ? [Buffer.from(e.data.delta, 'base64')] : [],
      ),
    )
    expect(audio.equals(sim.speechFor('你好'))).toBe(true)
  })

  it('should transcribe over the WebSocket with the SDK', async () => {
    const { wav } = sampleSpeechWav()
    const ws = await client.websockets.audio.transcriptions.create({}, { maxRetries: 0 })
    const done = eventsUntil(ws, WebsocketsEventType.TRANSCRIPTIONS_MESSAGE_COMPLETED)
    ws.onopen = () => {
      ws.send({
        id: '1',
        event_type: WebsocketsEventType.INPUT_AUDIO_BUFFER_APPEND,
        data: { delta: wav.toString('base64') },
      })
      ws.send({ id: '2', event_type: WebsocketsEventType.INPUT_AUDIO_BUFFER_COMPLETE })
    }
    const events = await done
    ws.close()
    const updates = events.filter((e) => e.event_type === 'transcriptions.message.update')
    expect(updates.at(-1)).toMatchObject({ data: { content: sim.transcript } })
  })

  it('should synthesise and transcribe over REST with the SDK', async () => {
    const audio = await client.audio.speech.create({ input: '你好', voice_id: 'v1', response_format: 'pcm' })
    expect(Buffer.from(audio).equals(sim.speechFor('你好'))).toBe(true)
    const { wav } = sampleSpeechWav()
    // In Node the SDK builds the upload with `form-data`, which wants a file stream.
    const file = join(mkdtempSync(join(tmpdir(), 'vc-sdk-')), 'speech.wav')
    writeFileSync(file, wav)
    const result = await client.audio.transcriptions.create({ file: createReadStream(file) })
    expect(result.text).toBe(sim.transcript)
    expect(sim.audioSessions.at(-1)).toMatchObject({ kind: 'transcriptions-rest', audioBytes: wav.length })
  })
})
