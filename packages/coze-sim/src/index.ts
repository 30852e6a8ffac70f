/** @module coze-sim — a Coze OpenAPI simulator that the official `@coze/api` SDK talks to unchanged. */
export { startCozeSim } from './server'
export { answerFor, prng } from './answers'
export { audioOf, connectAudio, UpgradeRefused, type AudioClient, type AudioFrame } from './audio-client'
export { longWav, sampleSpeechWav, toneWav, type SpeechWav } from './audio-fixture'
export { buildWav, bytesPerSecond, parseWav, type PcmFormat, type WavInfo } from './audio-wav'
export type { AudioFaults, AudioOptions, AudioSessionKind, SimAudioSession, SpeechRound } from './audio-types'
export type { SimFeedback } from './feedback-routes'
export type { SimFile } from './file-routes'
export type {
  ChatStatus,
  CozeSim,
  CozeSimOptions,
  OAuthApp,
  ScriptedAnswer,
  SimBotOptions,
  SimChat,
  SimEventName,
  SimFaults,
  SimListener,
  SimRequest,
  SimStats,
  Usage,
} from './types'
