/** Public types of the sim's audio endpoints (coze-protocol.md §5). */
import type { WavInfo } from './audio-wav'

export interface AudioOptions {
  /** Pace of `speech.audio.update` (decoded bytes per second); default 480 000; 0 = as fast as possible. */
  bytesPerSecond?: number
  /** Decoded bytes per `speech.audio.update`, default 9600 (0.2 s of 24 kHz 16-bit PCM). */
  chunkBytes?: number
  /** Length of the speech for each character of text, default 12 000 bytes (0.25 s at 24 kHz). */
  bytesPerCharacter?: number
  /** What ASR "recognises", whatever the audio; default '今天天气不错。' (the real recording's text). */
  transcript?: string
  /** The voice the TTS WebSocket speaks with until a `speech.update` names one; default '7426720361733046281'. */
  defaultVoiceId?: string
}

/** One synthesis request: a REST call, or one `input_text_buffer.complete` on the WebSocket. */
export interface SpeechRound {
  text: string
  /** UTF-8 bytes of `text` (Coze takes at most 1024 per request). */
  bytes: number
  /** The voice it was spoken with (REST `voice_id`; WebSocket: the last `speech.update`'s, or the default). */
  voiceId: string
  /** 3010 when refused for being over 1024 bytes (no audio); undefined when spoken. */
  error?: number
}

export type AudioSessionKind = 'speech' | 'transcriptions' | 'speech-rest' | 'transcriptions-rest'

/** One audio call as the sim saw it; WebSocket sessions are updated live. */
export interface SimAudioSession {
  id: string
  kind: AudioSessionKind
  /** Path with query as received. */
  path: string
  /** Where the credential came from (Coze accepts both, §5.2). */
  authVia: 'header' | 'query'
  openedAt: number
  /** WebSocket sessions: when the socket closed, and the close code the sim saw. */
  closedAt?: number
  closeCode?: number
  /** Client event types, in arrival order (WebSocket sessions). */
  received: string[]
  /** Server event types, in sending order (WebSocket sessions). */
  sent: string[]
  /** Speech: the text completed so far. */
  text: string
  /** Speech: every synthesis request, in order (refused ones included). */
  rounds: SpeechRound[]
  /** Transcriptions: audio bytes received (decoded), and their SHA-256 (hex). */
  audioBytes: number
  audioSha256: string
  /** Transcriptions: the WAV header when the audio starts with one. */
  wav?: WavInfo
}

export interface AudioFaults {
  /** The next audio WebSocket session destroys its socket after n audio frames (sent for speech, received for transcriptions). */
  audioDropAfter(n: number): void
  /** The next audio WebSocket session sends `error` {code 5000} after n audio frames, then closes 1011. */
  audioErrorAfter(n: number): void
  /** The next n audio WebSocket sessions answer `error` {code 4100} instead of `*.created`, then close. */
  audioAuthErrorFrames(n: number): void
  /** While on, audio sockets stop reading client frames: a slow consumer (TCP backpressure reaches the client). */
  audioReadingPaused(on: boolean): void
}
