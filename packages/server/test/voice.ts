/** Voice helpers for integration tests: tickets, upgrade URLs and a recording WebSocket client. */
import { expect } from 'vitest'
import { connectAudio, UpgradeRefused, type AudioClient } from '@volcano-chat/coze-sim'
import { waitFor as pollFor } from '../../../test/wait-for'
import type { Stack } from './harness'

export type Purpose = 'tts' | 'asr'

export async function requestTicket(
  stack: Stack,
  token: string,
  purpose: Purpose | string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${stack.url}/api/voice/ticket`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ purpose }),
  })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary envelope fields
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}

export async function ticketFor(stack: Stack, token: string, purpose: Purpose): Promise<string> {
  const r = await requestTicket(stack, token, purpose)
  if (r.status !== 200) throw new Error(`ticket refused: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.ticket as string
}

export const voiceUrl = (stack: Stack, purpose: Purpose, ticket?: string) =>
  `${stack.url.replace(/^http/, 'ws')}/api/voice/${purpose}${ticket === undefined ? '' : `?ticket=${ticket}`}`

/** A ticket, then the upgrade: resolves once the socket is open (frames keep being recorded). */
export async function openVoice(
  stack: Stack,
  token: string,
  purpose: Purpose,
  headers?: Record<string, string>,
): Promise<AudioClient> {
  return connectAudio(voiceUrl(stack, purpose, await ticketFor(stack, token, purpose)), { headers })
}

/** Polls `read` until it satisfies `test`, at most `timeoutMs` (tests wait on state, never on time). */
export async function waitFor<T>(read: () => T | Promise<T>, test: (v: T) => boolean, timeoutMs = 10_000) {
  let last: T | undefined
  const met = await pollFor(
    async () => {
      last = await read()
      return test(last) && { value: last }
    },
    { timeoutMs, intervalMs: 10, what: 'condition' },
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(last)}`, { cause: err })
  })
  return met.value
}

/** The HTTP refusal of an upgrade, with its envelope. */
export const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UpgradeRefused)
  const r = err as UpgradeRefused
  return { status: r.status, body: JSON.parse(r.body) as { error: { code: string; message: string } } }
}

/** Sends a text for TTS and waits for its audio to complete. */
export const speak = async (c: AudioClient, text = '好') => {
  c.send('input_text_buffer.append', { delta: text })
  c.send('input_text_buffer.complete')
  await c.until((f) => f.event_type === 'speech.audio.completed')
}
