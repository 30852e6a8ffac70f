/**
 * A real speech WAV for tests: Debian's `espeak-ng` when it is installed, otherwise a synthetic tone
 * (PCM with a RIFF header) generated in code. Nothing is installed or downloaded here.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildWav, parseWav, type PcmFormat } from './audio-wav'

export interface SpeechWav {
  wav: Buffer
  format: PcmFormat
  source: 'espeak-ng' | 'tone'
}

/**
 * 16-bit mono PCM WAV of `text` spoken by espeak-ng (22050 Hz), or a 1 s 440 Hz tone at 16 kHz.
 * @example const { wav } = sampleSpeechWav('今天天气不错') // starts with 'RIFF'
 */
export function sampleSpeechWav(text = '今天天气不错', voice = 'zh'): SpeechWav {
  const dir = mkdtempSync(join(tmpdir(), 'vc-wav-'))
  try {
    const file = join(dir, 'speech.wav')
    const run = spawnSync('espeak-ng', ['-v', voice, '-w', file, text], { timeout: 10_000 })
    // A missing binary shows up as run.error, not as a throw.
    const wav = run.status === 0 ? readFileSync(file) : undefined
    const info = wav && parseWav(wav)
    if (wav && info) return { wav, format: info, source: 'espeak-ng' }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return { ...toneWav(1, 440, 16_000), source: 'tone' }
}

/** A sine tone as a 16-bit mono PCM WAV. */
export function toneWav(seconds: number, hz: number, sampleRate: number) {
  const format: PcmFormat = { sampleRate, channels: 1, bitsPerSample: 16 }
  const samples = Math.round(seconds * sampleRate)
  const pcm = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++) {
    pcm.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / sampleRate) * 12_000), i * 2)
  }
  return { wav: buildWav(pcm, format), format }
}

/** The same audio repeated until it lasts at least `bytes` of PCM: a long, still valid, WAV. */
export function longWav(sample: SpeechWav, bytes: number): Buffer {
  const info = parseWav(sample.wav)!
  const pcm = sample.wav.subarray(info.dataOffset, info.dataOffset + info.dataBytes)
  const copies = Math.max(1, Math.ceil(bytes / pcm.length))
  return buildWav(Buffer.concat(Array.from({ length: copies }, () => pcm)), sample.format)
}
