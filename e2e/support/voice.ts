/**
 * Voice flows in Chromium: a fake microphone that plays a WAV, what the page's WebSockets carried, and
 * the Node side of `inPage.installAudioProbe`.
 */
import { createHash, randomUUID } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { sampleSpeechWav, type CozeSim } from '@volcano-chat/coze-sim'

/**
 * A WAV for Chromium's fake capture device: coze-sim's fixture (espeak-ng speech, or a tone where
 * espeak-ng is missing), both 16-bit mono PCM, which Chromium's file source reads and resamples. Without
 * `%noloop` the file repeats, so the microphone talks for as long as the page records. Only the path is
 * chosen here (switches are needed when the suite is declared); `create()` writes the file, before launch.
 */
export function fakeMicrophone() {
  const file = join(tmpdir(), `vc-mic-${randomUUID()}.wav`)
  return {
    /** Switches for a Chromium with this microphone; `deny` refuses it to every page, as a user would. */
    args: (permission: 'allow' | 'deny' = 'allow') => [
      `--use-fake-ui-for-media-stream${permission === 'deny' ? '=deny' : ''}`,
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${file}`,
    ],
    /** Writes the WAV; says which kind it is. */
    create(): 'espeak-ng' | 'tone' {
      const speech = sampleSpeechWav()
      writeFileSync(file, speech.wav)
      return speech.source
    },
    remove: () => rmSync(file, { force: true }),
  }
}

export interface SocketLog {
  urls: string[]
  /** Every text frame either way (binary ones as latin1). */
  frames: { sent: boolean; payload: string }[]
}

/** Records the page's WebSockets from now on (Playwright reports frames asynchronously: poll). */
export function recordSockets(page: Page): SocketLog {
  const log: SocketLog = { urls: [], frames: [] }
  const text = (p: string | Buffer) => (typeof p === 'string' ? p : p.toString('latin1'))
  page.on('websocket', (ws) => {
    log.urls.push(ws.url())
    ws.on('framesent', (f) => log.frames.push({ sent: true, payload: text(f.payload) }))
    ws.on('framereceived', (f) => log.frames.push({ sent: false, payload: text(f.payload) }))
  })
  return log
}

/** The PCM of every `input_audio_buffer.append` the page sent, in order, and its SHA-256 (hex). */
export function sentAudio(log: SocketLog) {
  const chunks = log.frames.flatMap(({ sent, payload }) => {
    const f = sent ? (JSON.parse(payload) as { event_type?: string; data?: { delta?: string } }) : {}
    return f.event_type === 'input_audio_buffer.append' ? [Buffer.from(f.data?.delta ?? '', 'base64')] : []
  })
  const pcm = Buffer.concat(chunks)
  return { pcm, sha256: createHash('sha256').update(pcm).digest('hex') }
}

/** Root mean square of 16-bit LE PCM, in sample units (0 … 32768). */
export function rms(pcm: Buffer): number {
  let sum = 0
  for (let i = 0; i + 2 <= pcm.length; i += 2) sum += pcm.readInt16LE(i) ** 2
  return Math.sqrt(sum / Math.max(1, pcm.length >> 1))
}

/** Every credential the Chat Service presented to (simulated) Coze, without `Bearer `. */
export const cozeTokens = (sim: CozeSim) => [
  ...new Set(
    sim.requests.flatMap((r) => (r.authorization ? [r.authorization.replace(/^Bearer /i, '')] : [])),
  ),
]

/** `AudioProbe.checksum` of 16-bit LE PCM: FNV-1a over the samples, in order. */
export function pcmChecksum(pcm: Buffer): number {
  let h = 0x811c9dc5
  for (let i = 0; i + 2 <= pcm.length; i += 2) h = Math.imul(h ^ pcm.readUInt16LE(i), 0x01000193) >>> 0
  return h
}
