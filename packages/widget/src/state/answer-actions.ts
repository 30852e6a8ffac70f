/**
 * The action bar under a finished answer (issue 21): copy its Markdown source, ask the same question
 * again, rate it 👍/👎 with an optional comment (SPEC §2.4 `POST /api/chat/feedback`). Every failure
 * reaches the user (the bar says so) and the host (`onError` → `vc-error`).
 */
import { inject, provide, type InjectionKey, type ShallowRef } from 'vue'
import * as endpoints from '../api/endpoints'
import { request } from '../api/http'
import type { ChatEvent, ChatMessage, ChatState, Rating } from './chat'
import type { ChatError } from './errors'
import type { Attachment } from '../attachments/attachment'

/** `vc-error` code of a copy the browser refused (no clipboard, no permission, not a secure page). */
export const COPY_FAILED = 'COPY_FAILED'

export interface AnswerActionDeps {
  apiBase: () => string
  fetch?: typeof fetch
  authed: <T>(call: (token: string) => Promise<T>) => Promise<T>
  state: ShallowRef<ChatState>
  dispatch: (ev: ChatEvent) => void
  /** Asking now would only be refused (`held` of actions.ts): Regenerate waits like Send and Retry. */
  held: () => boolean
  /** A new question (a new `clientMessageId`); a regenerated one goes with its attachments again. */
  ask: (question: string, attachments?: Attachment[]) => boolean
  /** Turns a failure into what the user and the host see. */
  report: (err: unknown) => ChatError
  onError?: (e: ChatError) => void
  onFeedback?: (f: { messageId: string; rating: Rating | null; comment?: string }) => void
  /** Defaults to `navigator.clipboard.writeText`. */
  writeClipboard?: (text: string) => Promise<void>
}

const ENDED = new Set<ChatMessage['status']>(['completed', 'requires_action', 'cancelled', 'interrupted'])

export function createAnswerActions(d: AnswerActionDeps) {
  const find = (localId: string) => d.state.value.messages.find((m) => m.localId === localId)
  const writeClipboard =
    d.writeClipboard ??
    ((text: string) =>
      globalThis.navigator?.clipboard
        ? globalThis.navigator.clipboard.writeText(text)
        : Promise.reject(new Error('no clipboard')))

  /** Regenerate is offered: the newest answer only, a plain question (not a reply to the bot). */
  function canRegenerate(m: ChatMessage): boolean {
    const last = d.state.value.messages.at(-1)
    return last === m && !m.replyTo && m.status !== 'requires_action' && ENDED.has(m.status)
  }

  return {
    /** The bar shows under an answer that has ended with something to act on. */
    hasActions: (m: ChatMessage) => ENDED.has(m.status) && (!!m.answer || !!m.messageId),

    canRegenerate,

    /** Copies the answer's Markdown source; false (and `vc-error`) when the browser refused. */
    async copy(localId: string): Promise<boolean> {
      const m = find(localId)
      if (!m) return false
      try {
        await writeClipboard(m.answer)
        return true
      } catch (err) {
        d.onError?.({ code: COPY_FAILED, message: err instanceof Error ? err.message : String(err) })
        return false
      }
    },

    /** Asks the same question again as a new message; the old answer stays (here and in history). */
    regenerate(localId: string): boolean {
      const m = find(localId)
      return !!m && canRegenerate(m) && !d.held() && d.ask(m.question, m.attachments)
    },

    /**
     * Rates the answer (null takes the rating back). Shown at once; the service's refusal puts the
     * previous rating back and returns false.
     */
    async rate(localId: string, rating: Rating | null, comment?: string): Promise<boolean> {
      const m = find(localId)
      if (!m?.messageId) return false
      const { messageId, feedback: before } = m
      d.dispatch({ type: 'rated', localId, rating })
      const text = comment?.trim()
      const body: endpoints.FeedbackBody = { messageId, rating, ...(text && rating ? { comment: text } : {}) }
      try {
        await d.authed((token) => request(endpoints.feedback(d.apiBase(), body), { fetch: d.fetch, token }))
      } catch (err) {
        d.dispatch({ type: 'rated', localId, rating: before })
        d.report(err)
        return false
      }
      d.onFeedback?.({ messageId, rating, ...(body.comment ? { comment: body.comment } : {}) })
      return true
    },
  }
}

export type AnswerActions = ReturnType<typeof createAnswerActions>

const KEY: InjectionKey<AnswerActions> = Symbol('vc-answer-actions')

/** `VolcanoChat.ce.vue` hands the bar its actions without threading them through the message list. */
export const provideAnswerActions = (actions: AnswerActions) => provide(KEY, actions)

/** Null outside `<volcano-chat>` (a message rendered alone): no bar then. */
export const useAnswerActions = (): AnswerActions | null => inject(KEY, null)
