/**
 * What the panel can do: send, retry, cancel, load history. Talks to the service only through
 * `api/`, changes state only through `applyEvent`, and turns every failure into a message error,
 * a notice, and an `onError` call (→ `vc-error`): nothing is swallowed.
 */
import { shallowRef } from 'vue'
import * as endpoints from '../api/endpoints'
import { NETWORK_ERROR, request, requestJson, VcApiError } from '../api/http'
import { followStream } from '../api/stream'
import {
  applyEvent,
  historyId,
  initialState,
  isBusy as busyIn,
  isFinalEvent,
  parseWireEvent,
  pendingReply,
  type ChatEvent,
  type ChatMessage,
  type HistoryItem,
  type ReplyTarget,
} from './chat'
import { createAnswerActions, type AnswerActionDeps } from './answer-actions'
import { toSummaries, type ConversationSummary } from './conversations'
import {
  answerCode,
  noticeFor,
  PREVIOUS_ENDED,
  STREAM_DROPPED,
  toChatError,
  type ChatError,
  type Notice,
} from './errors'
import { toWelcome, type Welcome } from './welcome'
import type { Attachment } from '../attachments/attachment'

export interface ChatDeps {
  apiBase: () => string
  token: () => string
  /** Gets a fresh token from the host (and remembers it); rejects when the host has none. */
  refreshToken: () => Promise<string>
  fetch?: typeof fetch
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  uuid?: () => string
  /** The clock for the time a question was asked. */
  now?: () => number
  onError?: (e: ChatError) => void
  onMessage?: (
    m: Pick<ChatMessage, 'messageId' | 'question' | 'answer' | 'status'> & { conversationId: string | null },
  ) => void
  /** An answer's rating the service archived (→ `vc-feedback`). */
  onFeedback?: AnswerActionDeps['onFeedback']
  /** For tests; defaults to `navigator.clipboard.writeText`. */
  writeClipboard?: AnswerActionDeps['writeClipboard']
}

const HISTORY_PAGE = 20

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true })
  })

/**
 * Runs `call` with the token; on `401 TOKEN_INVALID` gets a fresh one and tries exactly once more.
 * Shared with `state/voice.ts` (voice tickets).
 */
export function withToken(deps: Pick<ChatDeps, 'token' | 'refreshToken'>) {
  return async function authed<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = deps.token() || (await deps.refreshToken())
    try {
      return await call(token)
    } catch (err) {
      if (!(err instanceof VcApiError && err.status === 401)) throw err
      return call(await deps.refreshToken())
    }
  }
}

export function createChat(deps: ChatDeps) {
  const state = shallowRef(initialState())
  const notice = shallowRef<Notice | null>(null)
  /** Until when (ms since the epoch) the service asked to wait (`Retry-After` of a 429/503): Send waits. */
  const waitUntil = shallowRef(0)
  let waitTimer: ReturnType<typeof setTimeout> | undefined
  const loadingHistory = shallowRef(false)
  const uuid = deps.uuid ?? (() => crypto.randomUUID())
  const now = deps.now ?? Date.now
  /** `GET /api/chat/welcome`; null until it answered (or when it failed: the panel's own greeting). */
  const welcome = shallowRef<Welcome | null>(null)
  let welcomeAsked = false
  /** The user's conversations, most recently active first (`GET /api/chat/conversations`). */
  const conversations = shallowRef<ConversationSummary[]>([])
  const loadingConversations = shallowRef(false)
  let historyLoaded = false
  let current: AbortController | null = null
  /** This tab's "new topic" is at the service (it holds the conversation): sends and retries wait. */
  const clearing = shallowRef(false)
  /** Positions (`lastEventId`) of dropped answers already resumed by themselves: once each. */
  const resumedAt = new Set<string>()
  /** The browser said it is offline (`setOnline(false)`) and not yet that it is back. */
  let offline = false

  const dispatch = (ev: ChatEvent) => (state.value = applyEvent(state.value, ev))
  const find = (localId: string) => state.value.messages.find((m) => m.localId === localId)
  const isBusy = () => busyIn(state.value)
  /** A Stop pressed before the service named the answer: sent as soon as `meta` does. */
  let stopWhenNamed: string | null = null

  const authed = withToken(deps)

  /** `answer`: the failure is a failed answer's, shown on the answer itself (one place per error). */
  function report(err: unknown, answer = false): ChatError {
    const e = toChatError(err)
    const n = noticeFor(err, e, Date.now(), answer)
    if (n) show(n)
    deps.onError?.(e)
    return e
  }

  /** A notice with a wait holds Send until the wait is over, then goes by itself. */
  function show(n: Notice | null) {
    notice.value = n
    clearTimeout(waitTimer)
    const until = n?.kind === 'error' ? (n.until ?? 0) : 0
    waitUntil.value = until
    if (until > Date.now())
      waitTimer = setTimeout(() => {
        waitUntil.value = 0
        if (notice.value === n) notice.value = null
      }, until - Date.now())
  }

  /**
   * Reads one answer into message `localId`, resuming by itself when the stream drops (SPEC §2.3).
   * True when the answer is over: its end arrived, or the service no longer has it (404/410).
   */
  async function follow(
    localId: string,
    open: (token: string, signal: AbortSignal) => Promise<Response>,
  ): Promise<boolean> {
    current?.abort()
    const ac = (current = new AbortController())
    const opts = { fetch: deps.fetch, signal: ac.signal }
    try {
      const events = followStream({
        open: () => authed((token) => open(token, ac.signal)),
        resume: (messageId, lastEventId) =>
          authed((token) =>
            request(endpoints.resume(deps.apiBase(), messageId, lastEventId), { ...opts, token }),
          ),
        isFinal: isFinalEvent,
        isRetryable: (err) => err instanceof VcApiError && (err.status === 0 || err.status >= 500),
        sleep: (ms) => (deps.sleep ?? abortableSleep)(ms, ac.signal),
        onReconnect: () => void (notice.value = { kind: 'reconnecting' }),
      })
      for await (const ev of events) {
        const wire = parseWireEvent(ev)
        if (wire) dispatch({ type: 'stream', localId, id: ev.id, wire })
        if (wire?.event === 'meta' && stopWhenNamed === localId) void requestCancel(wire.data.messageId)
        if (notice.value) show(null) // an answer is arriving: whatever stood in the way is gone
        // The service ended the answer with an error: the host hears it (its message too), the user
        // reads the code's text. A stop the user asked for is no failure.
        if (wire?.event === 'error' && wire.data.code !== 'CANCELLED') deps.onError?.({ ...wire.data })
      }
      const m = find(localId)
      if (m) deps.onMessage?.({ ...pick(m), conversationId: state.value.conversationId })
      return true
    } catch (err) {
      if (ac.signal.aborted) return false // replaced by a new conversation, or the element went away
      // Given up: the answer says so; the notice says only what still stands in the way.
      if (notice.value?.kind === 'reconnecting') show(offline ? { kind: 'offline' } : null)
      const e = report(err, true)
      const code = answerCode(err, e)
      dispatch({ type: 'failed', localId, code, message: e.message, retryAfter: e.retryAfter })
      return e.status === 404 || e.status === 410
    } finally {
      if (current === ac) current = null
      if (stopWhenNamed === localId) stopWhenNamed = null
      dispatch({ type: 'released', localId })
    }
  }

  async function requestCancel(messageId: string) {
    try {
      await authed((token) =>
        request(endpoints.cancel(deps.apiBase(), messageId), { fetch: deps.fetch, token }),
      )
    } catch (err) {
      report(err)
    }
  }

  function post(localId: string) {
    const m = find(localId)!
    if (m.replyTo) {
      const body: endpoints.ReplyBody = { ...m.replyTo, text: m.question }
      return follow(localId, (token, signal) =>
        request(endpoints.reply(deps.apiBase(), body), { fetch: deps.fetch, signal, token }),
      )
    }
    const body: endpoints.SendBody = {
      message: m.question,
      clientMessageId: m.clientMessageId ?? undefined,
      conversationId: state.value.conversationId ?? undefined,
      ...(m.attachments.length ? { attachments: m.attachments.map(({ fileId }) => ({ fileId })) } : {}),
    }
    return follow(localId, async (token, signal) => {
      try {
        return await request(endpoints.send(deps.apiBase(), body), { fetch: deps.fetch, signal, token })
      } catch (err) {
        // Another answer is still running in this conversation (another tab, a reload): show that one.
        if (err instanceof VcApiError && err.code === 'CONVERSATION_BUSY' && body.conversationId) {
          void reattach(body.conversationId, localId)
        }
        throw err
      }
    })
  }

  /** The list, newest activity first; also kept for the conversation list panel. */
  async function fetchConversations(): Promise<ConversationSummary[]> {
    const body = await authed((token) =>
      requestJson<unknown>(endpoints.conversations(deps.apiBase()), { fetch: deps.fetch, token }),
    )
    return (conversations.value = toSummaries(body))
  }

  /**
   * Reloads the newest page and follows its last answer if it is still being generated. `refused`: the
   * question the service refused for that answer (409), which says so until the answer is over.
   */
  async function reattach(conversationId: string, refused: string) {
    try {
      await loadPage(conversationId)
      if (await attachRunning()) freed(refused)
    } catch (err) {
      report(err)
    }
  }

  /**
   * Follows the answer history says is still being generated, unless one is followed already. True
   * once none runs: history had none left, or the one followed is over.
   */
  async function attachRunning(): Promise<boolean> {
    if (isBusy()) return false
    const running = state.value.messages.findLast(
      (m) => m.status === 'pending' && m.localId === historyId(m.messageId ?? ''),
    )
    if (!running?.messageId) return true
    dispatch({ type: 'attached', localId: running.localId })
    const id = running.messageId
    return follow(running.localId, (token, signal) =>
      request(endpoints.resume(deps.apiBase(), id), { fetch: deps.fetch, signal, token }),
    )
  }

  /** The answer a 409 named is over: its refused question no longer says "still being written". */
  function freed(localId: string) {
    const m = find(localId)
    if (m?.status === 'failed' && m.error?.code === 'CONVERSATION_BUSY')
      dispatch({ type: 'failed', localId, code: PREVIOUS_ENDED, message: m.error.message })
  }

  async function loadPage(conversationId: string, before?: string) {
    loadingHistory.value = true
    try {
      const page = await authed((token) =>
        requestJson<{ items: HistoryItem[]; nextBefore?: string | null }>(
          endpoints.history(deps.apiBase(), { conversationId, before, limit: HISTORY_PAGE }),
          { fetch: deps.fetch, token },
        ),
      )
      dispatch({
        type: 'history',
        conversationId,
        items: page.items,
        nextBefore: page.nextBefore ?? null,
        older: before !== undefined,
      })
    } finally {
      loadingHistory.value = false
    }
  }

  /**
   * Sends a failed question again. After a lost connection the same `clientMessageId` goes out, so the
   * service re-attaches to the answer if it got the first try (SPEC §2.2); after an `error` event the
   * service has closed that answer, so a new id asks afresh.
   */
  function retry(localId: string): void {
    const m = find(localId)
    if (!m || held()) return
    const reuse = m.status === 'failed' && !m.error?.fromStream && m.clientMessageId
    dispatch({ type: 'resent', localId, clientMessageId: reuse ? m.clientMessageId! : uuid() })
    void post(localId)
  }

  /** The service asked to wait (429/503 with `Retry-After`) and the wait is not over. */
  function waiting(): boolean {
    return waitUntil.value > Date.now()
  }

  /**
   * Asking now would only be refused: an answer runs, the service's wait counts down, or our own new
   * topic holds the conversation. The one rule for Send, Retry and Regenerate (reactive: a computed
   * over it follows the wait's end).
   */
  function held(): boolean {
    return isBusy() || clearing.value || waiting()
  }

  /**
   * The newest answer was given up on (STREAM_DROPPED: the network was down longer than the backoff),
   * yet the service may have gone on and finished it. One resume from its last event (SPEC §2.3) shows
   * the rest; events it already has are dropped by `seq`, so nothing shows twice.
   */
  function resumeDropped(): void {
    const m = state.value.messages.at(-1)
    if (m?.status !== 'failed' || m.error?.code !== STREAM_DROPPED || isBusy() || clearing.value) return
    const { localId, messageId, lastEventId } = m
    if (!messageId || !lastEventId || resumedAt.has(lastEventId)) return
    resumedAt.add(lastEventId)
    dispatch({ type: 'resumed', localId })
    void follow(localId, (token, signal) =>
      request(endpoints.resume(deps.apiBase(), messageId, lastEventId), { fetch: deps.fetch, signal, token }),
    )
  }

  /** A new message with a new `clientMessageId`, posted at once. */
  function ask(question: string, replyTo?: ReplyTarget, attachments: Attachment[] = []): boolean {
    const localId = uuid()
    const asked = { localId, question, clientMessageId: uuid(), at: now(), attachments }
    dispatch({ type: 'asked', ...asked, ...(replyTo ? { replyTo } : {}) })
    void post(localId)
    return true
  }

  const answerActions = createAnswerActions({
    apiBase: deps.apiBase,
    fetch: deps.fetch,
    authed,
    state,
    dispatch,
    held,
    ask: (question, attachments) => ask(question, undefined, attachments),
    report,
    onError: deps.onError,
    onFeedback: deps.onFeedback,
    writeClipboard: deps.writeClipboard,
  })

  return {
    state,
    notice,
    loadingHistory,
    isBusy,
    /** The bot's question waiting for an answer: the next `send` goes to `/api/chat/reply`. */
    pendingReply: () => pendingReply(state.value),

    /**
     * Sends `text` as a new question, or as the answer to the bot's pending question; false when there
     * is nothing to send or asking is `held`. `attachments` (uploaded) go with a new question only:
     * an answer to the bot's question is text.
     */
    send(text: string, attachments: Attachment[] = []): boolean {
      const question = text.trim()
      const replyTo = pendingReply(state.value)
      const files = replyTo ? [] : attachments
      if ((!question && !files.length) || held()) return false
      return ask(question, replyTo, files)
    },

    retry,

    /** The action bar under each answer: copy, regenerate, 👍/👎 (`answer-actions.ts`). */
    answerActions,

    /**
     * `POST /api/chat/cancel`; the stream then ends with its `error` event. Pressed before the service
     * named the answer, the cancel goes out with its `meta`.
     */
    async cancel(): Promise<void> {
      const m = isBusy() ? find(state.value.following!) : undefined
      if (!m) return
      if (m.messageId) await requestCancel(m.messageId)
      else stopWhenNamed = m.localId
    },

    /** On first open: the latest conversation's newest page, re-attaching to an answer still running. */
    async loadLatest(): Promise<void> {
      if (historyLoaded || loadingHistory.value) return
      try {
        loadingHistory.value = true
        const latest = (await fetchConversations())[0]
        if (latest) await loadPage(latest.conversationId)
        historyLoaded = true
        // A reload mid-answer picks the answer up again (unless a send meanwhile follows its own).
        void attachRunning()
      } catch (err) {
        report(err)
      } finally {
        loadingHistory.value = false
      }
    },

    /** Scroll-back paging. */
    async loadOlder(): Promise<void> {
      const { conversationId, olderCursor } = state.value
      if (!conversationId || !olderCursor || loadingHistory.value) return
      try {
        await loadPage(conversationId, olderCursor)
      } catch (err) {
        report(err)
      }
    },

    newConversation(): void {
      current?.abort()
      historyLoaded = true
      dispatch({ type: 'reset' })
    },

    welcome,
    conversations,
    loadingConversations,

    /** Once per panel: a failure leaves the panel's own greeting and reaches the host as `vc-error`. */
    async loadWelcome(): Promise<void> {
      if (welcomeAsked) return
      welcomeAsked = true
      try {
        const body = await authed((token) =>
          requestJson<unknown>(endpoints.welcome(deps.apiBase()), { fetch: deps.fetch, token }),
        )
        welcome.value = toWelcome(body)
      } catch (err) {
        deps.onError?.(toChatError(err))
      }
    },

    /** Refreshes the conversation list (the header's list button). */
    async loadConversations(): Promise<void> {
      loadingConversations.value = true
      try {
        await fetchConversations()
      } catch (err) {
        report(err)
      } finally {
        loadingConversations.value = false
      }
    },

    /** Shows another of the user's conversations: its newest page, following an answer still running there. */
    async openConversation(conversationId: string): Promise<void> {
      if (conversationId === state.value.conversationId && !isBusy()) return
      current?.abort()
      historyLoaded = true
      dispatch({ type: 'selected', conversationId })
      try {
        await loadPage(conversationId)
        void attachRunning()
      } catch (err) {
        report(err)
      }
    },

    /**
     * "New topic" (`POST /api/chat/clear`): Coze forgets the context, the messages stay; without a
     * conversation yet there is nothing to clear and the next question starts one anyway. False when
     * the service refused (the reason is shown like any failure).
     */
    async newTopic(): Promise<boolean> {
      const { conversationId } = state.value
      if (isBusy() || clearing.value) return false
      if (!conversationId) return true
      clearing.value = true
      try {
        await authed((token) =>
          request(endpoints.clear(deps.apiBase(), conversationId), { fetch: deps.fetch, token }),
        )
        dispatch({ type: 'cleared', conversationId })
        return true
      } catch (err) {
        const e = report(err)
        // A refusal with no notice of its own (409 busy, 404, 5xx) still needs words.
        if (!notice.value) show({ kind: 'error', code: e.code })
        return false
      } finally {
        clearing.value = false
      }
    },

    /** True while this tab's new topic is at the service: Send and Retry wait for it. */
    clearing,

    /** Back online, a question that never left (offline) goes out by itself, once. */
    setOnline(online: boolean): void {
      offline = !online
      if (!online) return void (notice.value = { kind: 'offline' })
      if (notice.value?.kind === 'offline') notice.value = null
      const last = state.value.messages.at(-1)
      if (last?.status === 'failed' && last.error?.code === NETWORK_ERROR) retry(last.localId)
      else resumeDropped()
    },

    /** Back online or shown again: a dropped answer the service may have finished is asked for once. */
    resumeDropped,

    waiting,
    held,

    dispose(): void {
      current?.abort()
      clearTimeout(waitTimer)
    },
  }
}

const pick = (m: ChatMessage) => ({
  messageId: m.messageId,
  question: m.question,
  answer: m.answer,
  status: m.status,
})
