/**
 * Issue 21: Stop works before Coze answers. While the sim holds even its response headers, the widget
 * gets `meta` (the message id its Stop needs); a cancel then ends the answer `cancelled` at once, archives
 * it so, and frees the conversation for the next question. MariaDB + Redis, the whole HTTP stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../test/harness'
import { readStream, type ReceivedEvent } from '../../test/sse-client'
import { keys } from '../core/kv/keys'

const metaOf = (events: ReceivedEvent[]) => events[0]!.data as { messageId: string; conversationId: string }

describe('stop before Coze answers (mysql)', () => {
  let stack: Stack
  beforeAll(async () => {
    // The idle limit only bounds the held request the test leaves behind (Coze never answers it).
    stack = await startStack({ backend: 'mysql', env: { UPSTREAM_IDLE_TIMEOUT_MS: '8000' } })
  })
  afterAll(() => stack?.close())

  const cancel = (token: string, messageId: string) =>
    fetch(`${stack.url}/api/chat/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messageId }),
    })

  it('should send meta while Coze holds its headers, and end cancelled on a cancel', async () => {
    const user = await stack.newUser()
    const { conversationId } = metaOf((await stack.chat(user.token, { message: '先聊一句' })).events)
    const chatCalls = stack.sim.stats.chatCalls
    let cancelled: Promise<Response> | undefined
    const held = await readStream(
      await stack.send(user.token, { message: '卡住的请求 [[sim:hang]]', conversationId }),
      {
        onEvent: (e) => {
          if (e.event === 'meta') cancelled = cancel(user.token, (e.data as { messageId: string }).messageId)
        },
      },
    )
    expect(stack.sim.stats.chatCalls).toBe(chatCalls + 1) // Coze was asked, and never answered
    expect((await cancelled!).status).toBe(200)
    const { messageId } = metaOf(held.events)
    expect(held.events.map((e) => e.event)).toEqual(['meta', 'error'])
    // Ended by the cancel, not by the idle limit (UPSTREAM_TIMEOUT).
    expect(held.events[1]).toMatchObject({ id: `${messageId}:1`, data: { code: 'CANCELLED' } })
    expect(await stack.store.getMessage(user.userId, messageId)).toMatchObject({ status: 'cancelled' })
    expect(await stack.kv.get(keys.conversationBusy(conversationId))).toBeNull()
    const next = await stack.chat(user.token, { message: '下一个问题', conversationId })
    expect(next.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed' } })
  })

  it('should resume the early meta and the cancel from the stream log', async () => {
    const user = await stack.newUser()
    let messageId = ''
    const held = await readStream(await stack.send(user.token, { message: '再卡一次 [[sim:hang]]' }), {
      onEvent: (e) => {
        if (e.event !== 'meta') return
        messageId = (e.data as { messageId: string }).messageId
        void cancel(user.token, messageId)
      },
    })
    const resumed = await readStream(
      await fetch(`${stack.url}/api/chat/stream/${messageId}`, {
        headers: { authorization: `Bearer ${user.token}`, 'last-event-id': `${messageId}:0` },
      }),
    )
    expect(resumed.events).toEqual(held.events.slice(1))
  })
})
