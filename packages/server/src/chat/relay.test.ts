/**
 * The relay's rules on the in-process backends (memory kv and stream log, SQLite in memory) with a
 * scripted Coze client: no HTTP, no MySQL, no Redis. Each case scripts what Coze does and when, and
 * checks what the widget got, what was archived and what was left held.
 */
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryBackend } from '../backends/memory'
import { CozeApiError, type ChatStream, type CozeClient } from '../core/coze/client'
import type { CozeChat, CozeEvent } from '../core/coze/events'
import { VcError } from '../core/errors'
import { keys } from '../core/kv/keys'
import type { Backend } from '../backends/types'
import { openSqliteStore } from '../store/sqlite'
import type { Store } from '../store/types'
import type { StreamEvent } from '../core/wire'
import { createMetrics, type Metrics } from '../metrics/metrics'
import { combineObservers } from './observer'
import { createRecovery } from './recovery'
import { createRelay, type EventSink, type RelayDeps } from './relay'
import { createRunning, type Running } from './running'
import type { SessionUser } from '../core/session-user'

const log = pino({ level: 'silent' })
const CONV = 'conv-1'

const chat = (id: string, status: CozeChat['status'], name = `conversation.chat.${status}`): CozeEvent =>
  ({
    kind: 'chat',
    name,
    chat: { id, conversation_id: CONV, status, usage: { token_count: 3, input_count: 1, output_count: 2 } },
  }) as CozeEvent
const delta = (chatId: string, text: string, id = 'coze-msg-1'): CozeEvent => ({
  kind: 'message',
  name: 'conversation.message.delta',
  message: {
    id,
    conversation_id: CONV,
    chat_id: chatId,
    role: 'assistant',
    type: 'answer',
    content: text,
    content_type: 'text',
  },
})
/** A whole answer as Coze streams it. */
const answer = (chatId: string, text = '你好'): CozeEvent[] => [
  chat(chatId, 'created'),
  delta(chatId, text),
  chat(chatId, 'completed'),
  { kind: 'done' },
]

/** A Coze stream that delivers its events, then ends, breaks, or holds until aborted. */
class ScriptedStream implements ChatStream {
  aborted = false
  private wake: (() => void) | undefined
  constructor(
    private readonly events: CozeEvent[],
    private readonly then: 'end' | 'break' | 'hold' = 'end',
  ) {}
  async read(onEvent: (e: CozeEvent) => boolean | void) {
    for (const e of this.events) if (this.aborted || onEvent(e)) return
    if (this.then === 'hold' && !this.aborted) await new Promise<void>((r) => (this.wake = r))
    if (this.then === 'break' || this.aborted) throw new VcError('VC_ERR_UPSTREAM_INTERRUPTED')
  }
  abort() {
    this.aborted = true
    this.wake?.()
  }
}

/** Coze as the test scripts it: each `/v3/chat` takes the next scripted opening. */
function scriptedCoze() {
  const opens: (() => Promise<ChatStream>)[] = []
  const calls = { chats: 0, cancelled: [] as string[] }
  const chats = new Map<string, CozeChat>()
  const coze = {
    createConversation: async () => ({ id: CONV }),
    streamChat: () => {
      calls.chats++
      return (opens.shift() ?? (() => Promise.resolve(new ScriptedStream(answer('chat-auto')))))()
    },
    submitToolOutputs: () => Promise.reject(new Error('not scripted')),
    cancelChat: async (_conversationId: string, chatId: string) => {
      calls.cancelled.push(chatId)
      return { id: chatId, conversation_id: CONV, status: 'canceled' } as CozeChat
    },
    retrieveChat: async (_c: string, chatId: string) =>
      chats.get(chatId) ?? ({ id: chatId, conversation_id: CONV, status: 'in_progress' } as CozeChat),
    listChatMessages: async () => [],
  }
  return { coze: coze as unknown as CozeClient, opens, calls, chats }
}

/** What the widget received. */
function recordingSink() {
  const events: { id: string; e: StreamEvent }[] = []
  let metaSeen: () => void = () => undefined
  const meta = new Promise<void>((r) => (metaSeen = r))
  const sink: EventSink & { opened: boolean; closed: boolean } = {
    opened: false,
    closed: false,
    open() {
      sink.opened = true
    },
    event(id, e) {
      events.push({ id, e })
      if (e.event === 'meta') metaSeen()
    },
    close() {
      sink.closed = true
    },
  }
  return { sink, events, meta, names: () => events.map((x) => x.e.event) }
}

function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

const ctx = { clientIp: '127.0.0.1', userAgent: 'vitest' }
const user: SessionUser = {
  sessionId: 's-1',
  userId: 'u-1',
  phoneMasked: '138****0000',
  cozeUserId: 'cu-1',
  displayName: null,
  expiresAt: Date.now() + 3600_000,
}

let backend: Backend
let store: Store
let running: Running
let scripted: ReturnType<typeof scriptedCoze>

/** An instance's running answers on the test's backend (a second one is a live peer). */
async function startedRunning() {
  const r = createRunning({
    kv: backend.kv,
    locks: backend.locks,
    log,
    heartbeatMs: 60_000,
    maxAnswerMs: 60_000,
  })
  await r.start()
  return r
}

beforeEach(async () => {
  backend = createMemoryBackend({ prefix: 'relay-test' })
  store = await openSqliteStore(':memory:')
  await store.migrate()
  running = await startedRunning()
  scripted = scriptedCoze()
  await store.insertConversation({ id: CONV, userId: user.userId, title: 't', createdAt: 1, updatedAt: 1 })
})
afterEach(async () => {
  await running.stop()
  await store.close()
  await backend.close()
})

const relayWith = (over: Partial<RelayDeps> = {}) =>
  createRelay({
    store,
    kv: backend.kv,
    locks: backend.locks,
    streams: backend.streams,
    coze: scripted.coze,
    running,
    log,
    pollMs: 1,
    metaAfterMs: 60_000, // `meta` only once Coze opens, unless a case says otherwise
    ...over,
  })

const messageIdOf = (events: { e: StreamEvent }[]) => (events[0]!.e.data as { messageId: string }).messageId
const busyHolder = () => backend.kv.get(keys.conversationBusy(CONV))

describe('relay', () => {
  it("should relay and archive an answer, with Coze's answer message id for feedback", async () => {
    const w = recordingSink()
    await relayWith().send(user, { message: '你好', conversationId: CONV }, ctx, w.sink)
    expect(w.names()).toEqual(['meta', 'delta', 'done'])
    expect(w.events.map((x) => x.id.split(':')[1])).toEqual(['0', '2', '3'])
    const row = await store.getMessage(user.userId, messageIdOf(w.events))
    expect(row).toMatchObject({
      status: 'completed',
      answer: '你好',
      cozeChatId: 'chat-auto',
      cozeMessageId: 'coze-msg-1',
    })
    expect(await busyHolder()).toBeNull()
  })

  it('should end INTERNAL and stop reading Coze when T1 cannot be written', async () => {
    const failing = Object.assign(Object.create(store) as Store, {
      insertQuestion: () => Promise.reject(new Error('MySQL is gone')),
    })
    const stream = new ScriptedStream([delta('chat-1', '部分')], 'hold')
    scripted.opens.push(async () => stream)
    const w = recordingSink()
    await relayWith({ store: failing }).send(user, { message: 'q', conversationId: CONV }, ctx, w.sink)
    expect(w.names()).toEqual(['meta', 'delta', 'error'])
    expect(w.events.at(-1)!.e.data).toMatchObject({ code: 'INTERNAL' })
    expect(stream.aborted).toBe(true)
    expect(await store.getMessage(user.userId, messageIdOf(w.events))).toBeUndefined()
    expect(await busyHolder()).toBeNull()
  })

  it('should answer a refusal within metaAfterMs as the HTTP error, archived with Coze’s code', async () => {
    scripted.opens.push(() => Promise.reject(new CozeApiError(200, 4010, 'context too long', 'log-1')))
    const w = recordingSink()
    const sent = relayWith().send(user, { message: 'q', conversationId: CONV }, ctx, w.sink)
    await expect(sent).rejects.toMatchObject({ code: 'CONTEXT_TOO_LONG', status: 413 })
    expect(w.sink.opened).toBe(false)
    const [row] = await store.listMessages(user.userId, CONV, { limit: 1 })
    expect(row).toMatchObject({ status: 'failed', errorCode: 'CONTEXT_TOO_LONG', cozeCode: 4010 })
    expect(await busyHolder()).toBeNull()
  })

  it('should send meta while Coze is slow to open, then its refusal as the error event', async () => {
    const opening = deferred<ChatStream>()
    scripted.opens.push(() => opening.promise)
    const w = recordingSink()
    const sent = relayWith({ metaAfterMs: 5 }).send(user, { message: 'q', conversationId: CONV }, ctx, w.sink)
    await w.meta
    opening.reject(new CozeApiError(200, 4009, 'busy'))
    await sent
    expect(w.names()).toEqual(['meta', 'error'])
    expect(w.events[1]!.e.data).toMatchObject({ code: 'UPSTREAM_BUSY', retryAfter: 10 })
    const row = await store.getMessage(user.userId, messageIdOf(w.events))
    expect(row).toMatchObject({ status: 'failed', cozeCode: 4009 })
  })

  it('should end cancelled at once on a cancel before Coze opened, and cancel the chat at Coze when it opens late', async () => {
    const opening = deferred<ChatStream>()
    scripted.opens.push(() => opening.promise)
    const w = recordingSink()
    const sent = relayWith({ metaAfterMs: 0 }).send(user, { message: 'q', conversationId: CONV }, ctx, w.sink)
    await w.meta
    const messageId = messageIdOf(w.events)
    expect(await running.requestCancel(messageId)).toBe(true)
    await sent
    expect(w.names()).toEqual(['meta', 'error'])
    expect(w.events[1]).toMatchObject({ id: `${messageId}:1`, e: { data: { code: 'CANCELLED' } } })
    expect(w.sink.closed).toBe(true)
    expect(await store.getMessage(user.userId, messageId)).toMatchObject({ status: 'cancelled' })
    expect((await backend.streams.read(messageId)).map((e) => [e.seq, e.event])).toEqual([
      [0, 'meta'],
      [1, 'error'],
    ])
    expect(await busyHolder()).toBeNull()
    // Coze opens after all: read to its chat id, cancelled there, the stream stopped.
    const late = new ScriptedStream(answer('chat-late'), 'hold')
    opening.resolve(late)
    await expect.poll(() => scripted.calls.cancelled).toEqual(['chat-late'])
    expect(late.aborted).toBe(true)
    // The conversation is free for the next question.
    const next = recordingSink()
    await relayWith().send(user, { message: 'next', conversationId: CONV }, ctx, next.sink)
    expect(next.names().at(-1)).toBe('done')
  })

  it('should cut an answer whose Coze has not opened when the instance drains with no peer', async () => {
    const opening = deferred<ChatStream>()
    scripted.opens.push(() => opening.promise)
    const w = recordingSink()
    let draining = false
    const relay = relayWith({ metaAfterMs: 0, isDraining: () => draining })
    const sent = relay.send(user, { message: 'q', conversationId: CONV }, ctx, w.sink)
    await w.meta
    draining = true
    await expect(relay.send(user, { message: 'later' }, ctx, recordingSink().sink)).rejects.toMatchObject({
      code: 'NOT_READY',
    })
    await running.drain({ graceMs: 0, handoverMs: 0 })
    await sent
    expect(w.events.at(-1)!.e.data).toMatchObject({ code: 'INTERRUPTED' })
    expect(await store.getMessage(user.userId, messageIdOf(w.events))).toMatchObject({
      status: 'interrupted',
    })
    const late = new ScriptedStream(answer('chat-late'), 'hold')
    opening.resolve(late)
    await expect.poll(() => late.aborted).toBe(true)
    expect(scripted.calls.cancelled).toEqual([]) // a cut is not a cancel: a peer's recovery may still want it
  })

  it('should take over a conversation and a clientMessageId held by a dead instance', async () => {
    await backend.kv.set(keys.lease('dead-msg'), 'dead-instance', { ttlMs: 60_000 })
    await backend.kv.set(keys.conversationBusy(CONV), 'dead-msg', { ttlMs: 60_000 })
    await backend.kv.set(keys.clientMessage(user.userId, 'cm-1'), 'dead-msg', { ttlMs: 60_000 })
    const w = recordingSink()
    await relayWith().send(user, { message: 'q', conversationId: CONV, clientMessageId: 'cm-1' }, ctx, w.sink)
    expect(w.names().at(-1)).toBe('done')
    expect(await backend.kv.get(keys.clientMessage(user.userId, 'cm-1'))).toBe(messageIdOf(w.events))
  })

  it('should refuse 409 with the running message while a live answer holds the conversation', async () => {
    const stream = new ScriptedStream([chat('chat-1', 'created'), delta('chat-1', '慢')], 'hold')
    scripted.opens.push(async () => stream)
    const first = recordingSink()
    const relay = relayWith()
    const sent = relay.send(user, { message: 'q', conversationId: CONV }, ctx, first.sink)
    await first.meta
    const messageId = messageIdOf(first.events)
    await expect(
      relay.send(user, { message: 'q2', conversationId: CONV }, ctx, recordingSink().sink),
    ).rejects.toMatchObject({ code: 'CONVERSATION_BUSY', extra: { messageId } })
    await running.requestCancel(messageId)
    await sent
    expect(first.events.at(-1)!.e.data).toMatchObject({ code: 'CANCELLED' })
    expect(scripted.calls.cancelled).toEqual(['chat-1'])
  })

  it("should wait out Coze's 4016 after a dropped stream, then answer", async () => {
    // The first answer's stream drops; Coze goes on and finishes it (retrieve says completed).
    scripted.opens.push(
      async () => new ScriptedStream([chat('chat-1', 'created'), delta('chat-1', '半')], 'break'),
    )
    scripted.chats.set('chat-1', { id: 'chat-1', conversation_id: CONV, status: 'completed' })
    const busy = () => Promise.reject(new CozeApiError(200, 4016, 'a chat is in progress'))
    scripted.opens.push(busy, busy)
    const relay = relayWith()
    const first = recordingSink()
    await relay.send(user, { message: 'q1', conversationId: CONV }, ctx, first.sink)
    expect(first.names().at(-1)).toBe('done')
    const second = recordingSink()
    await relay.send(user, { message: 'q2', conversationId: CONV }, ctx, second.sink)
    expect(second.names()).toEqual(['meta', 'delta', 'done'])
    expect(scripted.calls.chats).toBe(4) // the drop's chat, two 4016s, the answer
  })

  it('should count an answer handed over on a drain out of the active-streams gauge, and the peer finishes it', async () => {
    const activeStreams = async (m: Metrics) =>
      (await m.registry.getSingleMetric('vc_chat_active_streams')!.get()).values[0]?.value
    // A live peer: the drain hands the answer over instead of cutting it.
    const peer = await startedRunning()
    const here = createMetrics()
    scripted.opens.push(
      async () => new ScriptedStream([chat('chat-1', 'created'), delta('chat-1', '半')], 'hold'),
    )
    const w = recordingSink()
    const sent = relayWith({ observer: here.observer }).send(
      user,
      { message: 'q', conversationId: CONV },
      ctx,
      w.sink,
    )
    await expect.poll(() => w.names()).toEqual(['meta', 'delta'])
    await expect.poll(() => activeStreams(here)).toBe(1)
    await running.drain({ graceMs: 0, handoverMs: 0 })
    await sent
    expect(w.names()).toEqual(['meta', 'delta']) // no end: the widget resumes on the peer
    expect(w.sink.closed).toBe(true)
    expect(await activeStreams(here)).toBe(0)

    // The peer finishes it from Coze: the last answer message's id is archived for feedback.
    const message = (id: string, type: string, content: string) => ({
      id,
      type,
      content,
      role: 'assistant',
      content_type: 'text',
      conversation_id: CONV,
      chat_id: 'chat-1',
    })
    Object.assign(scripted.coze, {
      listChatMessages: async () => [
        message('coze-msg-1', 'answer', '半个答案'),
        message('coze-msg-2', 'answer', '另一段'),
        message('coze-follow-1', 'follow_up', '还有吗？'),
      ],
    })
    scripted.chats.set('chat-1', { id: 'chat-1', conversation_id: CONV, status: 'completed' } as CozeChat)
    const there = createMetrics()
    const recovery = createRecovery({
      store,
      locks: backend.locks,
      coze: scripted.coze,
      streams: backend.streams,
      log,
      observer: combineObservers([there.observer], () => undefined),
      maxAnswerMs: 60_000,
      pollMs: 1,
      running: peer,
    })
    const messageId = messageIdOf(w.events)
    expect(await recovery.recover((await store.getMessage(user.userId, messageId))!)).toBe(true)
    expect(await store.getMessage(user.userId, messageId)).toMatchObject({
      status: 'completed',
      answer: '半个答案\n\n另一段',
      cozeMessageId: 'coze-msg-2',
    })
    expect(await busyHolder()).toBeNull()
    expect(await activeStreams(there)).toBe(0)
    await peer.stop()
  })
})

describe('relay, when something throws that never should', () => {
  const activeStreams = async (m: Metrics) =>
    (await m.registry.getSingleMetric('vc_chat_active_streams')!.get()).values[0]?.value
  /** What every ended answer leaves: its conversation free, its lease gone, the gauge back at 0. */
  async function expectReleased(m: Metrics, messageId: string) {
    expect(await busyHolder()).toBeNull()
    expect(await backend.kv.get(keys.lease(messageId))).toBeNull()
    expect(await activeStreams(m)).toBe(0)
  }
  const toolCall = (chatId: string): CozeEvent =>
    ({
      kind: 'chat',
      name: 'conversation.chat.requires_action',
      chat: {
        id: chatId,
        conversation_id: CONV,
        status: 'requires_action',
        required_action: {
          type: 'submit_tool_outputs',
          submit_tool_outputs: {
            tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
          },
        },
      },
    }) as CozeEvent

  it('should end INTERNAL, archived failed and cancelled at Coze, when the tool runner rejects', async () => {
    const events = [chat('chat-1', 'created'), toolCall('chat-1'), { kind: 'done' } as CozeEvent]
    scripted.opens.push(async () => new ScriptedStream(events))
    const m = createMetrics()
    const tools = { call: () => Promise.reject(new Error('tool runner broke')) }
    const w = recordingSink()
    const asked = { message: 'q', conversationId: CONV, clientMessageId: 'cm-1' }
    await relayWith({ tools, observer: m.observer }).send(user, asked, ctx, w.sink)
    expect(w.names()).toEqual(['meta', 'action', 'error'])
    expect(w.events.at(-1)!.e.data).toMatchObject({ code: 'INTERNAL' })
    expect(w.sink.closed).toBe(true) // the response ends: its stream slot is freed
    const messageId = messageIdOf(w.events)
    expect(await store.getMessage(user.userId, messageId)).toMatchObject({
      status: 'failed',
      errorCode: 'INTERNAL',
    })
    expect((await backend.streams.read(messageId)).at(-1)).toMatchObject({ event: 'error' })
    expect(scripted.calls.cancelled).toEqual(['chat-1'])
    // As with any answer that ended: the clientMessageId names it, and a retry attaches to its end.
    expect(await backend.kv.get(keys.clientMessage(user.userId, 'cm-1'))).toBe(messageId)
    await expectReleased(m, messageId)
  })

  it('should end INTERNAL when a malformed Coze event throws, without taking it for a broken stream', async () => {
    const malformed = { kind: 'message', name: 'conversation.message.delta' } as CozeEvent // no message
    const stream = new ScriptedStream([chat('chat-1', 'created'), delta('chat-1', '半'), malformed], 'hold')
    scripted.opens.push(async () => stream)
    const m = createMetrics()
    const w = recordingSink()
    await relayWith({ observer: m.observer }).send(user, { message: 'q', conversationId: CONV }, ctx, w.sink)
    expect(w.names()).toEqual(['meta', 'delta', 'error'])
    expect(w.events.at(-1)!.e.data).toMatchObject({ code: 'INTERNAL' })
    expect(w.sink.closed).toBe(true)
    expect(stream.aborted).toBe(true)
    expect(scripted.calls.cancelled).toEqual(['chat-1'])
    const messageId = messageIdOf(w.events)
    expect(await store.getMessage(user.userId, messageId)).toMatchObject({ status: 'failed', answer: '半' })
    await expectReleased(m, messageId)
  })

  it('should deliver the one end, archive and count it out when the stream log throws on it', async () => {
    const streams = Object.assign(Object.create(backend.streams) as typeof backend.streams, {
      append: (id: string, e: { event: string }, json?: string) => {
        if (e.event === 'done') throw new Error('stream log broke')
        backend.streams.append(id, e as never, json)
      },
    })
    const m = createMetrics()
    const w = recordingSink()
    const relay = relayWith({ streams, observer: m.observer })
    await relay.send(user, { message: 'q', conversationId: CONV }, ctx, w.sink)
    expect(w.names()).toEqual(['meta', 'delta', 'done'])
    expect(w.sink.closed).toBe(true)
    const messageId = messageIdOf(w.events)
    expect(await store.getMessage(user.userId, messageId)).toMatchObject({ status: 'completed' })
    await expectReleased(m, messageId)
  })

  it('should answer as usual when an observer throws', async () => {
    const m = createMetrics()
    const observer = {
      ...m.observer,
      firstToken: () => {
        throw new Error('observer broke')
      },
    }
    const w = recordingSink()
    await relayWith({ observer }).send(user, { message: 'q', conversationId: CONV }, ctx, w.sink)
    expect(w.names()).toEqual(['meta', 'delta', 'done'])
    const messageId = messageIdOf(w.events)
    expect(await store.getMessage(user.userId, messageId)).toMatchObject({ status: 'completed' })
    await expectReleased(m, messageId)
  })

  it('should answer the HTTP error INTERNAL, free the clientMessageId and cancel at Coze when the stream cannot open', async () => {
    scripted.opens.push(async () => new ScriptedStream(answer('chat-1'), 'hold'))
    const m = createMetrics()
    const w = recordingSink()
    w.sink.open = () => {
      throw new Error('the response is gone')
    }
    const asked = { message: 'q', conversationId: CONV, clientMessageId: 'cm-1' }
    const sent = relayWith({ observer: m.observer }).send(user, asked, ctx, w.sink)
    await expect(sent).rejects.toMatchObject({ code: 'INTERNAL', status: 500 })
    expect(w.events).toEqual([])
    const [row] = await store.listMessages(user.userId, CONV, { limit: 1 })
    expect(row).toMatchObject({ status: 'failed', errorCode: 'INTERNAL', clientMessageId: null })
    expect(await backend.kv.get(keys.clientMessage(user.userId, 'cm-1'))).toBeNull()
    await expect.poll(() => scripted.calls.cancelled).toEqual(['chat-1'])
    await expectReleased(m, row!.id)
  })

  it('should deliver the end when the conversation unlock throws synchronously, and free the rest', async () => {
    const locks = {
      ...backend.locks,
      release: (key: string, owner: string) => {
        if (key === keys.conversationBusy(CONV)) throw new Error('Redis client broke')
        return backend.locks.release(key, owner)
      },
    }
    const m = createMetrics()
    const w = recordingSink()
    const relay = relayWith({ locks, observer: m.observer })
    const sent = relay.send(user, { message: 'q', conversationId: CONV }, ctx, w.sink)
    await sent.catch(() => undefined)
    expect(w.names()).toEqual(['meta', 'delta', 'done'])
    await expect(sent).resolves.toBeUndefined() // nor does the send's release throw (the unlock is memoised)
    expect(w.sink.closed).toBe(true)
    const messageId = messageIdOf(w.events)
    expect(await store.getMessage(user.userId, messageId)).toMatchObject({ status: 'completed' })
    expect(await backend.kv.get(keys.lease(messageId))).toBeNull()
    expect(await activeStreams(m)).toBe(0)
    // The lost unlock is taken over (its answer is archived final): the next question is answered.
    const next = recordingSink()
    await relayWith().send(user, { message: 'next', conversationId: CONV }, ctx, next.sink)
    expect(next.names().at(-1)).toBe('done')
  })

  it('should still hand an answer over when closing its stream throws after the lease was let go', async () => {
    const peer = await startedRunning()
    scripted.opens.push(
      async () => new ScriptedStream([chat('chat-1', 'created'), delta('chat-1', '半')], 'hold'),
    )
    const m = createMetrics()
    const w = recordingSink()
    w.sink.close = () => {
      throw new Error('the response is gone')
    }
    const sent = relayWith({ observer: m.observer }).send(
      user,
      { message: 'q', conversationId: CONV },
      ctx,
      w.sink,
    )
    await expect.poll(() => w.names()).toEqual(['meta', 'delta'])
    await running.drain({ graceMs: 0, handoverMs: 0 })
    await sent
    expect(w.names()).toEqual(['meta', 'delta']) // no end here: the peer ends it
    expect(scripted.calls.cancelled).toEqual([]) // still running at Coze, for the peer
    const messageId = messageIdOf(w.events)
    expect(await store.getMessage(user.userId, messageId)).toMatchObject({ status: 'in_progress' })
    expect(await busyHolder()).toBe(messageId) // the peer finishing it frees the conversation
    expect(await backend.kv.get(keys.lease(messageId))).toBeNull()
    expect(await activeStreams(m)).toBe(0)
    await peer.stop()
  })

  it('should answer the refusal and free the clientMessageId when MySQL fails to free it, so a retry works', async () => {
    let down = true
    const gone = () => Promise.reject(new Error('MySQL is gone'))
    const flaky = Object.assign(Object.create(store) as Store, {
      insertQuestion: (row: Parameters<Store['insertQuestion']>[0]) =>
        down ? gone() : store.insertQuestion(row),
      releaseClientMessageId: (id: string) => (down ? gone() : store.releaseClientMessageId(id)),
    })
    scripted.opens.push(() => Promise.reject(new CozeApiError(200, 4009, 'busy')))
    const relay = relayWith({ store: flaky })
    const asked = { message: 'q', conversationId: CONV, clientMessageId: 'cm-1' }
    const sent = relay.send(user, asked, ctx, recordingSink().sink)
    await expect(sent).rejects.toMatchObject({ code: 'UPSTREAM_BUSY' }) // the refusal, not MySQL's failure
    expect(await backend.kv.get(keys.clientMessage(user.userId, 'cm-1'))).toBeNull()
    expect(await busyHolder()).toBeNull()
    down = false
    const w = recordingSink()
    await relay.send(user, asked, ctx, w.sink)
    expect(w.names()).toEqual(['meta', 'delta', 'done'])
  })

  it('should not leave a question awaiting a reply whose chat a crash stopped at Coze', async () => {
    const question = {
      kind: 'chat',
      name: 'conversation.chat.requires_action',
      chat: {
        id: 'chat-1',
        conversation_id: CONV,
        status: 'requires_action',
        required_action: {
          type: 'submit_tool_outputs',
          submit_tool_outputs: { tool_calls: [{ id: 'ask-1', type: 'reply_message' }] },
        },
      },
    } as CozeEvent
    scripted.opens.push(
      async () => new ScriptedStream([chat('chat-1', 'created'), question, { kind: 'done' }]),
    )
    const relay = relayWith()
    const first = recordingSink()
    await relay.send(user, { message: 'q', conversationId: CONV }, ctx, first.sink)
    const parentId = messageIdOf(first.events)
    expect(await backend.kv.get(keys.awaitingReply(parentId))).toBe('ask-1')
    const submitted: string[] = []
    Object.assign(scripted.coze, {
      submitToolOutputs: async ({ chatId }: { chatId: string }) => {
        submitted.push(chatId)
        return new ScriptedStream([chat(chatId, 'in_progress')], 'hold')
      },
    })
    const w = recordingSink()
    w.sink.open = () => {
      throw new Error('the response is gone')
    }
    const body = { messageId: parentId, toolCallId: 'ask-1', text: 'yes' }
    await expect(relay.reply(user, body, ctx, w.sink)).rejects.toMatchObject({ code: 'INTERNAL' })
    await expect.poll(() => scripted.calls.cancelled).toEqual(['chat-1'])
    // Coze's chat is cancelled: a second reply is refused here, not sent to a chat that no longer waits.
    expect(await backend.kv.get(keys.awaitingReply(parentId))).toBeNull()
    const again = relay.reply(user, body, ctx, recordingSink().sink)
    await expect(again).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    expect(submitted).toEqual(['chat-1'])
  })
})
