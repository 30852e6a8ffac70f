/**
 * The bot's welcome (SPEC §2.4 `GET /api/chat/welcome`, issue 21): its prologue and suggested questions
 * from Coze's bot info (coze-protocol §9 row 11, `onboarding_info`). Shared by every instance through
 * the kv for a few minutes, then read again; while Coze cannot be read the last copy stays in use, and
 * with none the welcome is empty: the panel opens whatever Coze does.
 */
import type { Logger } from 'pino'
import type { CozeBotInfo, CozeClient } from '../core/coze/client'
import { keys } from '../core/kv/keys'
import type { Kv } from '../core/kv/types'

export interface Welcome {
  prologue: string
  questions: string[]
}

export interface WelcomeDeps {
  coze: Pick<CozeClient, 'retrieveBot'>
  kv: Kv
  botId: string
  log: Logger
  now?: () => number
  /** How long a copy is fresh (default 5 minutes). */
  freshMs?: number
  /** How long a copy is kept to answer while Coze fails (default a day). */
  keepMs?: number
  /** After a failed read, how long this instance answers from what it has without asking Coze again. */
  backoffMs?: number
}

/** Bounds on what is passed on: a bot set up with a novel as its prologue still makes a usable panel. */
const MAX_PROLOGUE = 4000
const MAX_QUESTIONS = 10
const MAX_QUESTION = 200

export const EMPTY_WELCOME: Welcome = { prologue: '', questions: [] }

/** Coze's bot info → the welcome; anything not a string is dropped. */
export function welcomeOf(bot: CozeBotInfo | undefined): Welcome {
  const info = bot?.onboarding_info
  const prologue =
    typeof info?.prologue === 'string' ? [...info.prologue].slice(0, MAX_PROLOGUE).join('') : ''
  const questions = (Array.isArray(info?.suggested_questions) ? info.suggested_questions : [])
    .filter((q): q is string => typeof q === 'string' && q.trim() !== '')
    .map((q) => [...q.trim()].slice(0, MAX_QUESTION).join(''))
    .slice(0, MAX_QUESTIONS)
  return { prologue, questions }
}

interface Cached extends Welcome {
  /** When it was read from Coze (ms since the epoch). */
  at: number
}

export function createWelcome(d: WelcomeDeps) {
  const now = d.now ?? Date.now
  const freshMs = d.freshMs ?? 5 * 60_000
  const keepMs = d.keepMs ?? 24 * 3600_000
  const backoffMs = d.backoffMs ?? 30_000
  const key = keys.welcome(d.botId)
  /** One Coze read at a time per instance: a burst of panels opening asks once. */
  let inflight: Promise<Welcome> | undefined
  let failedAt = -Infinity

  async function cached(): Promise<Cached | undefined> {
    try {
      const raw = await d.kv.get(key)
      return raw ? (JSON.parse(raw) as Cached) : undefined
    } catch (err) {
      d.log.warn({ err }, 'welcome: the cached copy could not be read')
      return undefined
    }
  }

  async function refresh(stale: Cached | undefined): Promise<Welcome> {
    try {
      const welcome = welcomeOf(await d.coze.retrieveBot())
      const value: Cached = { ...welcome, at: now() }
      await d.kv
        .set(key, JSON.stringify(value), { ttlMs: keepMs })
        .catch((err: unknown) => d.log.warn({ err }, 'welcome: the copy could not be cached'))
      return welcome
    } catch (err) {
      failedAt = now()
      d.log.warn({ err, stale: stale !== undefined }, 'welcome: Coze bot info could not be read')
      return stale ? { prologue: stale.prologue, questions: stale.questions } : EMPTY_WELCOME
    }
  }

  return {
    /** Never rejects: the welcome is an extra, not a reason to fail the panel. */
    async get(): Promise<Welcome> {
      const copy = await cached()
      if (copy && now() - copy.at < freshMs) return { prologue: copy.prologue, questions: copy.questions }
      if (now() - failedAt < backoffMs)
        return copy ? { prologue: copy.prologue, questions: copy.questions } : EMPTY_WELCOME
      inflight ??= refresh(copy).finally(() => (inflight = undefined))
      return inflight
    },
  }
}

export type WelcomeService = ReturnType<typeof createWelcome>
