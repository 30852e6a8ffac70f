/**
 * Issue 20 #7: a revoke ends what the session has open, on every instance. Two instances of one
 * deployment (real MySQL + Redis): the user streams an answer and reads aloud on B, website A revokes
 * through A. The answers run for a minute at the simulated Coze, so a stream that ends with the error
 * while its answer is still in progress was ended by the revoke, not by the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectAudio } from '@volcano-chat/coze-sim'
import { startStack, type Stack } from '../../test/harness'
import { readStream, type ReceivedEvent, type StreamResult } from '../../test/sse-client'
import { openVoice, refusal, ticketFor, voiceUrl, waitFor } from '../../test/voice'

/** 600 tokens at 10 per second: a minute of answer. */
const LONG = '请慢慢讲一个很长的故事 [[sim:tokens=600,tps=10]]'

/** Sends, and resolves once the answer is streaming (its first text arrived), with the rest to come. */
async function streamingAnswer(stack: Stack, token: string) {
  const events: ReceivedEvent[] = []
  const ended: Promise<StreamResult> = stack
    .send(token, { message: LONG })
    .then((res) => readStream(res, { onEvent: (e) => events.push(e) }))
  await waitFor(
    () => events.map((e) => e.event),
    (names) => names.includes('delta'),
  )
  const meta = events.find((e) => e.event === 'meta')!.data as { messageId: string }
  return { messageId: meta.messageId, events, ended }
}

/** The answer is stopped with a fresh session of the same user (the revoked one can do nothing). */
async function cancel(stack: Stack, phone: string, messageId: string) {
  const { token } = await stack.client.createSession({ phone })
  await fetch(`${stack.url}/api/chat/cancel`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messageId }),
  })
}

const REVOKED = { event: 'error', data: expect.objectContaining({ code: 'TOKEN_INVALID' }) }

describe('revoke on another instance (Redis pub/sub)', () => {
  let a: Stack
  let b: Stack
  beforeAll(async () => {
    a = await startStack({ backend: 'mysql' })
    b = await startStack({ backend: 'mysql', sharedWith: a })
  })
  afterAll(async () => {
    await b?.close()
    await a?.close()
  })

  it('should end the open stream and TTS socket on B, refuse their resume and void an earlier ticket', async () => {
    const user = await a.newUser()
    const answer = await streamingAnswer(b, user.token)
    const tts = await openVoice(b, user.token, 'tts')
    const ticket = await ticketFor(b, user.token, 'asr')
    const lastId = answer.events.at(-1)!.id

    expect((await a.client.revokeSession({ phone: user.phone })).revoked).toBe(1)

    const stream = await answer.ended
    expect(stream.events.at(-1)).toMatchObject({ ...REVOKED, id: '' })
    expect(stream.events.some((e) => e.event === 'done')).toBe(false)
    // Ended by the revoke: the answer still runs at Coze, and goes on into the stream log.
    const row = await b.store.getMessage(user.userId, answer.messageId)
    expect(row?.status).toBe('in_progress')
    const logged = (await b.services.streams.read(answer.messageId)).length
    await waitFor(
      async () => (await b.services.streams.read(answer.messageId)).length,
      (n) => n > logged,
    )

    const frame = await tts.until((f) => f.event_type === 'error')
    expect(frame.data.code).toBe('TOKEN_INVALID')
    expect((await tts.closed).code).toBe(1008)

    const resumed = await fetch(`${b.url}/api/chat/stream/${answer.messageId}`, {
      headers: { authorization: `Bearer ${user.token}`, 'last-event-id': lastId },
    })
    expect(resumed.status).toBe(401)
    expect(((await resumed.json()) as { error: { code: string } }).error.code).toBe('TOKEN_INVALID')

    const refused = await refusal(connectAudio(voiceUrl(b, 'asr', ticket)))
    expect(refused.status).toBe(401)
    expect(refused.body.error.code).toBe('TICKET_INVALID')

    await cancel(b, user.phone, answer.messageId)
  })
})

describe('revoke on the memory backend (one instance)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ backend: 'embedded' })
  })
  afterAll(() => stack?.close())

  it("should end the revoked token's stream and leave the same user's other session streaming", async () => {
    const user = await stack.newUser()
    const other = await stack.client.createSession({ phone: user.phone })
    const revoked = await streamingAnswer(stack, user.token)
    const kept = await streamingAnswer(stack, other.token)

    await stack.client.revokeSession({ token: user.token })

    expect((await revoked.ended).events.at(-1)).toMatchObject(REVOKED)
    const seen = kept.events.length
    await waitFor(
      () => kept.events.length,
      (n) => n > seen,
    )
    expect(kept.events.some((e) => e.event === 'error')).toBe(false)

    await cancel(stack, user.phone, revoked.messageId)
    await cancel(stack, user.phone, kept.messageId)
    await kept.ended
  })
})
