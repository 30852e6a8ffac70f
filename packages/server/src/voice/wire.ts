/** Request shapes of the voice endpoints (README "Voice"). */
import { z } from 'zod'
import { MAX_HELD_TEXT_BYTES } from './speech-rounds'

export const ticketBody = z.strictObject({ purpose: z.enum(['tts', 'asr']) })

export const upgradeQuery = z.object({ ticket: z.string().max(128).optional() })

const SAMPLE_RATES = [8000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000]

/**
 * `POST /api/voice/speech`; limits are Coze's (coze-protocol §5.1) but the text's: Coze takes 1024 bytes
 * per request, longer texts are read in several (fallback.ts), up to the WebSocket's cap.
 */
export const speechBody = z.strictObject({
  text: z
    .string()
    .refine((s) => s.trim().length > 0, 'must not be empty')
    .refine(
      (s) => Buffer.byteLength(s) <= MAX_HELD_TEXT_BYTES,
      `must be at most ${MAX_HELD_TEXT_BYTES} bytes of UTF-8`,
    ),
  voiceId: z.string().min(1).max(128).optional(),
  format: z.enum(['mp3', 'wav', 'pcm', 'ogg_opus']).default('mp3'),
  sampleRate: z
    .number()
    .int()
    .refine((n) => SAMPLE_RATES.includes(n), `must be one of ${SAMPLE_RATES.join(', ')}`)
    .default(24_000),
  speed: z.number().min(0.2).max(3).default(1),
})
export type SpeechBody = z.infer<typeof speechBody>

/** Coze takes ogg, mp3 and wav files up to 10 MB (coze-protocol §5.1). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024
export const UPLOAD_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
}
