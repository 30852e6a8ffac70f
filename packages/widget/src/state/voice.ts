/**
 * Voice in the panel (issue 7): dictation into the draft and read-aloud of answers. Wires the pure
 * sessions in `voice/` to tickets (through the same token refresh as the chat), the microphone and Web
 * Audio. Every failure becomes a `problem` shown beside the input and a `vc-error`; the text chat never
 * waits on any of it.
 */
import { inject, provide, shallowRef, type ComputedRef, type InjectionKey } from 'vue'
import * as endpoints from '../api/endpoints'
import { requestJson, VcApiError } from '../api/http'
import type { MessageKey } from '../i18n'
import type { VoiceSend } from '../settings'
import { startAsr, type AsrSession } from '../voice/asr-session'
import { VoiceError, type SocketCtor, type VoicePurpose, type VoiceSocketDeps } from '../voice/frames'
import { startMic, type MicCapture } from '../voice/mic'
import { createResampler, floatToPcm16 } from '../voice/pcm'
import { audioContextCtor, canDictate, canSpeak, voiceProblem } from '../voice/support'
import { speakable } from '../voice/text'
import { createTtsPlayer, type AudioContextLike, type TtsPlayer } from '../voice/tts-player'
import { startTts, type TtsSession } from '../voice/tts-session'
import { withToken, type ChatDeps } from './actions'
import { toChatError, type ChatError } from './errors'

export type MicState = 'idle' | 'starting' | 'recording' | 'finishing'

/** A context the player can use, plus the lifecycle calls a real `AudioContext` has. */
export type PlaybackContext = AudioContextLike & { resume?(): Promise<void>; close?(): Promise<void> }

export interface VoiceDeps extends Pick<ChatDeps, 'apiBase' | 'token' | 'refreshToken' | 'fetch'> {
  sendMode: () => VoiceSend
  getDraft: () => string
  setDraft: (text: string) => void
  /** Sends the draft as a question (`voice-send="release"`). */
  send: (text: string) => void
  onError?: (e: ChatError) => void
  WebSocket?: SocketCtor
  startMic?: typeof startMic
  audioContext?: () => PlaybackContext
  support?: { dictate: boolean; speak: boolean }
}

const CODES: Partial<Record<MessageKey, string>> = {
  voicePermission: 'VOICE_PERMISSION_DENIED',
  voiceNoMic: 'VOICE_NO_MICROPHONE',
  voiceUnsupported: 'VOICE_UNSUPPORTED',
}

/** `prefix` + the transcript, with a space between when the typed text does not end in one. */
export const joinDraft = (prefix: string, text: string) =>
  !prefix || !text || /\s$/.test(prefix) ? prefix + text : `${prefix} ${text}`

export function createVoice(deps: VoiceDeps) {
  const mic = shallowRef<MicState>('idle')
  const speaking = shallowRef<string | null>(null)
  const problem = shallowRef<MessageKey | null>(null)
  const support = deps.support ?? { dictate: canDictate(), speak: canSpeak() }
  const authed = withToken(deps)

  const socketDeps: VoiceSocketDeps = {
    apiBase: deps.apiBase,
    WebSocket: deps.WebSocket,
    getTicket: async (purpose: VoicePurpose) => {
      const res = await authed((token) =>
        requestJson<{ ticket?: unknown }>(endpoints.voiceTicket(deps.apiBase(), purpose), {
          fetch: deps.fetch,
          token,
        }),
      )
      if (typeof res.ticket !== 'string') throw new VoiceError('VOICE_BAD_TICKET', 'no ticket in the answer')
      return res.ticket
    },
  }

  function report(err: unknown, key = voiceProblem(err)) {
    problem.value = key
    const code = CODES[key]
    const e: ChatError =
      err instanceof VoiceError
        ? { code: err.code, message: err.message }
        : code && !(err instanceof VcApiError)
          ? { code, message: String((err as Error)?.message ?? err) }
          : toChatError(err)
    deps.onError?.(e)
  }

  // ---- dictation -------------------------------------------------------------------------------------
  let asr: AsrSession | null = null
  let capture: MicCapture | null = null
  let stopWanted = false

  async function startDictation(): Promise<void> {
    if (mic.value !== 'idle') return
    problem.value = null
    if (!support.dictate) return report(new VoiceError('VOICE_UNSUPPORTED'), 'voiceUnsupported')
    mic.value = 'starting'
    stopWanted = false
    const prefix = deps.getDraft()
    const session = (asr = startAsr(socketDeps, (text) => deps.setDraft(joinDraft(prefix, text))))
    session.done.catch((err: unknown) => {
      if (asr !== session) return
      capture?.stop()
      capture = null
      asr = null
      mic.value = 'idle'
      report(err)
    })
    let resample: ((f: Float32Array) => Float32Array) | null = null
    try {
      const c = await (deps.startMic ?? startMic)((samples, rate) => {
        resample ??= createResampler(rate)
        session.push(floatToPcm16(resample(samples)))
      })
      if (asr !== session) return c.stop() // failed or cancelled meanwhile
      capture = c
      mic.value = 'recording'
      if (stopWanted) void stopDictation() // released while the microphone was opening
    } catch (err) {
      if (asr !== session) return
      asr = null
      session.cancel()
      mic.value = 'idle'
      report(err)
    }
  }

  /** Ends the recording; the transcript stays in the draft, or is sent with `voice-send="release"`. */
  async function stopDictation(): Promise<void> {
    if (mic.value === 'starting') {
      stopWanted = true
      return
    }
    if (mic.value !== 'recording' || !asr) return
    const session = asr
    mic.value = 'finishing'
    capture?.stop()
    capture = null
    let text: string
    try {
      text = await session.finish()
    } catch {
      return // reported by `done`'s handler
    }
    if (asr !== session) return
    asr = null
    mic.value = 'idle'
    if (deps.sendMode() === 'release' && text.trim()) deps.send(deps.getDraft())
  }

  function cancelDictation() {
    const session = asr
    asr = null
    capture?.stop()
    capture = null
    session?.cancel()
    mic.value = 'idle'
  }

  // ---- read-aloud ------------------------------------------------------------------------------------
  let ctx: PlaybackContext | null = null
  let tts: { session: TtsSession; player: TtsPlayer } | null = null
  let lastPlayer: TtsPlayer | null = null

  function stopSpeaking() {
    tts?.session.stop()
    tts?.player.stop()
    tts = null
    speaking.value = null
  }

  /** Reads an answer aloud; the same answer again stops it. Call from the click (autoplay rules). */
  async function speak(id: string, markdown: string): Promise<void> {
    const same = speaking.value === id
    stopSpeaking()
    if (same) return
    problem.value = null
    const text = speakable(markdown)
    if (!text) return
    if (!support.speak) return report(new VoiceError('VOICE_UNSUPPORTED'), 'voiceUnsupported')
    try {
      // Created (and resumed) inside the click: browsers only let a user gesture start audio.
      ctx ??= deps.audioContext?.() ?? (new (audioContextCtor()!)() as unknown as PlaybackContext)
      void ctx.resume?.()
    } catch (err) {
      return report(err, 'voiceUnsupported')
    }
    const player = (lastPlayer = createTtsPlayer(ctx))
    const session = startTts(socketDeps, text, (pcm) => player.enqueue(pcm))
    const mine = (tts = { session, player })
    speaking.value = id
    try {
      await session.done
      await player.end()
    } catch (err) {
      if (tts === mine) report(err)
      player.stop()
    }
    if (tts === mine) {
      tts = null
      speaking.value = null
    }
  }

  return {
    mic,
    speaking,
    problem,
    support,
    startDictation,
    stopDictation,
    cancelDictation,
    speak,
    stopSpeaking,
    /** Samples the latest read-aloud scheduled (tests and the Chromium check). */
    samplesPlayed: () => lastPlayer?.samples ?? 0,
    dismiss: () => (problem.value = null),
    dispose() {
      cancelDictation()
      stopSpeaking()
      void ctx?.close?.()
      ctx = null
    },
  }
}

export type VoiceController = ReturnType<typeof createVoice>

/** What the components get: the controller, and whether `features` has `voice`. */
export interface VoiceUi {
  enabled: ComputedRef<boolean>
  voice: VoiceController
}

const KEY: InjectionKey<VoiceUi> = Symbol('vc-voice')

export const provideVoice = (ui: VoiceUi) => provide(KEY, ui)

/** Null outside `<volcano-chat>` (component tests without voice). */
export const useVoice = (): VoiceUi | null => inject(KEY, null)
