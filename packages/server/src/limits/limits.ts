/**
 * The rate limits of SPEC §2.6 as fastify hooks. Widget limits fail open onto in-process counters when
 * Redis is down (chat keeps working, bounded per instance); the S2S limit fails closed (no sessions are
 * minted without a shared count). Each limit set to 0 is off. README "Security" explains the choices.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { VcError } from '../core/errors'
import { createHeartbeats, type Heartbeats } from '../core/http/heartbeat'
import { routePath } from '../core/http/request-target'
import { rateLimitedError, rateLimitHeaders, tightest } from './headers'
import { ipKey } from '../core/http/ip-key'
import {
  createLimiter,
  LimiterUnavailableError,
  type Limiter,
  type LimitName,
  type LimitResult,
} from './limiter'
import { SLOT_TTL_MS } from '../core/kv/slots'
import type { HeldSlot, RateStore, StreamSlots } from './types'

export interface LimitsConfig {
  ipRequestsPerMinute: number
  userMessagesPerMinute: number
  userMessagesPerDay: number
  ipMessagesPerMinute: number
  ipMessagesPerDay: number
  s2sKeyPerMinute: number
  /** Requests to `/api/internal/*` per client address and minute, whatever their outcome. */
  s2sIpPerMinute: number
  userStreams: number
  /** Uploads (`POST /api/chat/files`) per user and minute. */
  userFilesPerMinute: number
}

export interface LimitsDeps {
  config: LimitsConfig
  /** The backend's counters and open-stream slots (`openBackend`). */
  rateStore: RateStore
  slots: StreamSlots
  /** A request was refused by `limit` (metrics). */
  onReject?: (limit: LimitName) => void
  /** Redis failed under a limit; the fallback decided (logged once per outage by the caller). */
  onStoreError?: (err: unknown) => void
  /** The service's shared timers (its own when unset). */
  heartbeats?: Heartbeats
}

const WIDGET_PATHS = /^\/api\/(chat|voice)\//
const INTERNAL_PATHS = /^\/api\/internal\//
const MINUTE = 60
const DAY = 86_400

export function createLimits(d: LimitsDeps) {
  const { config: c, rateStore: store, slots } = d
  const make = (name: LimitName, points: number, durationSeconds: number, fallback: 'memory' | 'refuse') =>
    points > 0
      ? createLimiter({ name, points, durationSeconds, store, fallback, onStoreError: d.onStoreError })
      : undefined
  const ipRequests = make('ip-requests', c.ipRequestsPerMinute, MINUTE, 'memory')
  const messages = [
    [make('user-minute', c.userMessagesPerMinute, MINUTE, 'memory'), 'user'],
    [make('user-day', c.userMessagesPerDay, DAY, 'memory'), 'user'],
    [make('ip-minute', c.ipMessagesPerMinute, MINUTE, 'memory'), 'ip'],
    [make('ip-day', c.ipMessagesPerDay, DAY, 'memory'), 'ip'],
  ] as const
  const s2sKey = make('s2s-key', c.s2sKeyPerMinute, MINUTE, 'refuse')
  // Fails open: it only bounds what one address can make us parse and audit (issue 20, finding 6).
  const s2sIp = make('s2s-ip', c.s2sIpPerMinute, MINUTE, 'memory')
  const uploads = make('user-files', c.userFilesPerMinute, MINUTE, 'memory')
  // Every slot this instance holds, refreshed together on one shared ticker (issue 8, held streams).
  const held = new Set<HeldSlot>()
  // A slot store that fails is reported like a limit's (the backend's fallback already catches Redis).
  const storeFailed = (err: unknown) => d.onStoreError?.(err)
  const refresher = { beat: () => void slots.refresh(held).catch(storeFailed) }
  const refreshBeat = (d.heartbeats ?? createHeartbeats()).every(SLOT_TTL_MS / 3)

  /** Consumes one point of each limiter; headers for the tightest; 429 when any refused. */
  async function enforce(reply: FastifyReply, checks: [Limiter, string][]) {
    const results: LimitResult[] = await Promise.all(checks.map(([l, key]) => l.consume(key)))
    const rejected = results.filter((r) => !r.allowed)
    for (const r of rejected) d.onReject?.(r.name)
    if (rejected.length) throw rateLimitedError(rejected)
    const shown = tightest(results)
    if (shown) reply.headers(rateLimitHeaders(shown))
  }

  /** The message budgets a request spends: the user's and the client address's. */
  function messageChecks(request: FastifyRequest) {
    const checks: [Limiter, string][] = []
    for (const [limiter, by] of messages) {
      if (!limiter) continue
      if (by === 'ip') checks.push([limiter, ipKey(request.ip)])
      else if (request.user) checks.push([limiter, request.user.userId])
    }
    return checks
  }

  /** One message (chat send, voice ticket). */
  async function consumeMessage(request: FastifyRequest, reply: FastifyReply) {
    await enforce(reply, messageChecks(request))
  }

  /**
   * Counts an open stream of the request's user until the response closes; 429 at the cap. The slot is
   * refreshed while the response is open, so a crash frees it within `SLOT_TTL_MS`.
   */
  async function acquireStream(request: FastifyRequest, reply: FastifyReply) {
    const user = request.user
    if (!user || c.userStreams <= 0) return
    const slot = await slots.acquire(user.userId, c.userStreams)
    if (!slot) {
      d.onReject?.('user-streams')
      const full = { name: 'user-streams', allowed: false, limit: c.userStreams, remaining: 0 } as const
      // No window to wait for: a stream may end any moment, so ask the client to retry soon.
      throw rateLimitedError([{ ...full, resetMs: 5_000 }])
    }
    const mine: HeldSlot = { userId: user.userId, slot }
    held.add(mine)
    refreshBeat.join(refresher) // joining again is a no-op
    reply.raw.once('close', () => {
      held.delete(mine)
      if (!held.size) refreshBeat.leave(refresher)
      void slots.release(user.userId, slot).catch(storeFailed) // unreleased, it expires (SLOT_TTL_MS)
    })
  }

  return {
    consumeMessage,
    acquireStream,
    /** onRequest of the uploads (after the token check): counted before the body is read. */
    async consumeUpload(request: FastifyRequest, reply: FastifyReply) {
      if (uploads && request.user) await enforce(reply, [[uploads, request.user.userId]])
    },
    /** Open streams of a user right now. */
    openStreams: (userId: string) => slots.count(userId),

    /**
     * onRequest, by the matched route: every widget request per client address, before the token is
     * even looked at; every internal request per address, before its body is read.
     */
    async addressRequest(request: FastifyRequest, reply: FastifyReply) {
      if (request.method === 'OPTIONS') return
      const path = routePath(request)
      const limiter = WIDGET_PATHS.test(path) ? ipRequests : INTERNAL_PATHS.test(path) ? s2sIp : undefined
      if (limiter) await enforce(reply, [[limiter, ipKey(request.ip)]])
    },

    /** preHandler of the chat routes (after the token check): messages on send, a slot on streams. */
    async chatGuard(request: FastifyRequest, reply: FastifyReply) {
      const route = request.routeOptions.url ?? ''
      // A reply to the bot's question is a message like any other: same limits, same stream cap.
      const isSend = request.method === 'POST' && (route.endsWith('/send') || route.endsWith('/reply'))
      const isStream = isSend || (request.method === 'GET' && route.includes('/stream/'))
      if (!isSend) return isStream ? acquireStream(request, reply) : undefined
      // Both at once (one Redis round trip, not two). A send refused for its open streams must not
      // spend a message point: the points go back (a refused consume counts too, so always). A send
      // refused for its messages frees its slot when the 429 response closes.
      const [slot, points] = await Promise.allSettled([
        acquireStream(request, reply),
        consumeMessage(request, reply),
      ])
      if (slot.status === 'rejected') {
        await Promise.all(messageChecks(request).map(([limiter, key]) => limiter.refund(key)))
        throw slot.reason
      }
      if (points.status === 'rejected') throw points.reason
    },

    /** session/create, after the signature: one point per signing key; refuses when Redis is down. */
    s2sGuard: {
      async take(request: FastifyRequest, reply: FastifyReply) {
        if (!s2sKey || !request.s2sKeyId) return
        try {
          await enforce(reply, [[s2sKey, request.s2sKeyId]])
        } catch (err) {
          if (!(err instanceof LimiterUnavailableError)) throw err
          throw new VcError('VC_ERR_NOT_READY', 'Rate limits cannot be checked right now: try again shortly')
        }
      },
      /** Gives the point back (a replayed nonce spends nothing). */
      async refund(request: FastifyRequest) {
        if (s2sKey && request.s2sKeyId) await s2sKey.refund(request.s2sKeyId)
      },
    },

    /** /readyz check: throws while Redis-backed limits have fallen back (see `status`). */
    async readiness() {
      const s = status()
      if (store.shared && !s.shared) throw new Error(s.detail)
    },

    status,
  }

  /** Whether limits are shared right now or each instance counts alone. */
  function status(): { shared: boolean; detail: string } {
    if (!store.shared) return { shared: false, detail: 'in-process (single instance)' }
    return store.reachable()
      ? { shared: true, detail: 'shared via Redis' }
      : {
          shared: false,
          detail: 'Redis unreachable: chat limits per instance (fail open), session/create refused',
        }
  }
}

export type Limits = ReturnType<typeof createLimits>
