/**
 * "New topic" on the in-process backends (memory kv, SQLite in memory) with a scripted Coze clear: the
 * clear holds the conversation's lock while Coze works, so a send meanwhile is refused (409 with no
 * answer to attach to), and the archive marks where the new topic began.
 */
import pino from 'pino'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { createMemoryBackend } from '../backends/memory'
import type { Backend } from '../backends/types'
import type { CozeClient } from '../core/coze/client'
import { keys } from '../core/kv/keys'
import { openSqliteStore } from '../store/sqlite'
import type { Store } from '../store/types'
import { createRelay } from './relay'
import { createRunning, type Running } from './running'
import { createTopics } from './topics'
import type { SessionUser } from '../core/session-user'

const log = pino({ level: 'silent' })
const CONV = 'conv-t'
const user = {
  sessionId: 's',
  userId: 'u-t',
  cozeUserId: 'cu',
  phoneMasked: '1',
  displayName: null,
} as SessionUser
const ctx = { clientIp: null, userAgent: null }

let backend: Backend
let store: Store
let running: Running
beforeEach(async () => {
  backend = createMemoryBackend({ prefix: 'topics-test' })
  store = await openSqliteStore(':memory:')
  await store.migrate()
  running = createRunning({
    kv: backend.kv,
    locks: backend.locks,
    log,
    heartbeatMs: 60_000,
    maxAnswerMs: 60_000,
  })
  await running.start()
  await store.insertConversation({ id: CONV, userId: user.userId, title: 't', createdAt: 1, updatedAt: 1 })
})
afterEach(async () => {
  await running.stop()
  await store.close()
  await backend.close()
})

it('should hold the conversation while Coze clears, then mark the newest message as the boundary', async () => {
  let release!: () => void
  const cozeCleared = new Promise<void>((r) => (release = r))
  const coze = {
    clearConversation: async () => {
      await cozeCleared
      return { id: 'section-2', conversation_id: CONV }
    },
    streamChat: () =>
      Promise.reject(new Error('Coze must not be asked while the clear holds the conversation')),
  } as unknown as CozeClient
  const deps = { store, kv: backend.kv, locks: backend.locks, coze, running, log }
  const topics = createTopics(deps)
  const relay = createRelay({ ...deps, streams: backend.streams })
  const at = Date.now()
  await store.insertQuestion({
    ...{ id: 'm-1', userId: user.userId, conversationId: CONV, sessionId: 's', clientMessageId: null },
    ...{ question: '第一个', clientIp: null, userAgent: null, askedAt: at },
  })

  const clearing = topics.clear(user, CONV)
  await expect.poll(() => backend.kv.get(keys.conversationBusy(CONV))).toMatch(/^topic:/)
  const sink = { opened: false, open() {}, event() {}, close() {} }
  const busy = relay.send(user, { message: '插队', conversationId: CONV }, ctx, sink)
  await expect(busy).rejects.toMatchObject({ code: 'CONVERSATION_BUSY', extra: undefined })
  await expect(topics.clear(user, CONV)).rejects.toMatchObject({ code: 'CONVERSATION_BUSY' })
  release()
  expect(await clearing).toEqual({ conversationId: CONV, sectionId: 'section-2' })
  expect(await backend.kv.get(keys.conversationBusy(CONV))).toBeNull()
  expect((await store.getMessage(user.userId, 'm-1'))!.newTopicAt).toBeGreaterThanOrEqual(at)
})

it('should take over a clear whose instance died, and free the lock when Coze refuses', async () => {
  await backend.kv.set(keys.conversationBusy(CONV), 'topic:dead', { ttlMs: 60_000 })
  const coze = {
    clearConversation: () => Promise.reject(new Error('Coze is down')),
  } as unknown as CozeClient
  const topics = createTopics({ store, locks: backend.locks, coze, running, log })
  await expect(topics.clear(user, CONV)).rejects.toMatchObject({ code: 'UPSTREAM_INTERRUPTED' })
  expect(await backend.kv.get(keys.conversationBusy(CONV))).toBeNull()
})
