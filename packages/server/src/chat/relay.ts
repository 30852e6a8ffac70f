/**
 * The chat rules (SPEC §1 phase 2–3, §2.2): ownership, one answer per conversation at a time,
 * idempotent `clientMessageId`, T1 beside the Coze call, relay as events arrive, T3 whatever happens.
 * Every event also goes to the stream log so any instance can resume it (issue 5). The steps of one
 * answer are in relay-open.ts (ask Coze, T1, `meta`), relay-read.ts (relay, tool rounds, a broken
 * stream) and relay-end.ts (outcome, unlock, terminal event, T3); how it ends is decided by outcome.ts.
 * An answer that throws unexpectedly still ends there (relay-crash.ts).
 */
import { randomUUID } from 'node:crypto'
import { VcError } from '../core/errors'
import { keys } from '../core/kv/keys'
import type { ReplyBody, SendInput } from '../core/wire'
import { attachToMessage } from './attach'
import { failureOf, httpError } from './outcome'
import { createOwnerCache, type OwnerCache } from './owners'
import { AWAITING_REPLY_TTL_MS, end, handedOver } from './relay-end'
import { crashed, stoppedAtCoze } from './relay-crash'
import { busyError, createKeyLocks, type KeyLocks } from './relay-lock'
import { begin, opened } from './relay-open'
import { readAll } from './relay-read'
import {
  relayEnv,
  type RelayEnv,
  type Ask,
  type EventSink,
  type RelayDeps,
  type Run,
  type SendContext,
} from './relay-run'
import type { SessionUser } from '../core/session-user'

export type { Ask, EventSink, RelayDeps, SendContext } from './relay-run'

const IDEMPOTENCY_TTL_MS = 24 * 3600_000

/** What one send holds, so that whatever happens undoes exactly that (see `ask`). */
interface Held {
  messageId: string
  /** The lease write (running.ts), released whatever happens. */
  lease: Promise<void>
  /** The `clientMessageId` reservation this send took. */
  reservation?: string
  /** T1 may have written the row (it holds the `clientMessageId` too). */
  answering?: boolean
  unlock?: () => Promise<unknown>
  /** A drain handed the answer to a peer, which frees the conversation when it ends. */
  handedOver?: boolean
}

export function createRelay(d: RelayDeps) {
  const r: Relayer = { d, env: relayEnv(d), owners: d.owners ?? createOwnerCache(), locks: createKeyLocks(d) }
  return {
    send: (user: SessionUser, body: SendInput, ctx: SendContext, sink: EventSink) =>
      ask(r, { user, body, ctx, sink }),
    reply: (user: SessionUser, body: ReplyBody, ctx: SendContext, sink: EventSink) =>
      reply(r, user, body, { ctx, sink }),
  }
}

/** What every step of a send shares: the dependencies, and the owners and keys already known. */
interface Relayer {
  d: RelayDeps
  env: RelayEnv
  owners: OwnerCache
  locks: KeyLocks
}

/** One send as asked. */
interface Sending {
  user: SessionUser
  body: Ask
  ctx: SendContext
  sink: EventSink
}

/** The user's answer to the bot's question: a new message, continuing the question's Coze chat. */
async function reply(
  r: Relayer,
  user: SessionUser,
  body: ReplyBody,
  { ctx, sink }: Pick<Sending, 'ctx' | 'sink'>,
) {
  const { d } = r
  const parent = await d.store.getMessage(user.userId, body.messageId)
  if (!parent) throw new VcError('VC_ERR_MESSAGE_NOT_FOUND')
  const key = keys.awaitingReply(parent.id)
  // A retried reply (its clientMessageId already taken) attaches to the first one in `ask`.
  const retry =
    !!body.clientMessageId && !!(await d.locks.holder(keys.clientMessage(user.userId, body.clientMessageId)))
  // Only a question the bot asked, answered once: taken here in one step (two replies at once, or a
  // reply right after the first one's stream ended, find it gone), not by a round trip to Coze.
  if (!parent.cozeChatId || (!retry && !(await d.kv.delIfEquals(key, body.toolCallId)))) {
    throw new VcError('VC_ERR_BAD_REQUEST', 'This message is not waiting for a reply')
  }
  const replyTo = { messageId: parent.id, cozeChatId: parent.cozeChatId, toolCallId: body.toolCallId }
  const { text, clientMessageId } = body
  const asked = { message: text, conversationId: parent.conversationId, clientMessageId, replyTo }
  try {
    await ask(r, { user, body: asked, ctx, sink })
  } catch (err) {
    // Refused before Coze took it: the question still waits for its reply (not when a crash stopped it).
    const waits = !retry && !sink.opened && !stoppedAtCoze(err)
    if (waits) await d.kv.set(key, body.toolCallId, { ttlMs: AWAITING_REPLY_TTL_MS })
    throw err
  }
}

/**
 * One send: owner checked, `clientMessageId` reserved (or attached to the answer it already became),
 * the conversation locked, the answer run. The lease goes out before any key naming this message (same
 * connection, so in order): a peer that finds the reservation or the lock also finds the lease, and
 * never takes it for an orphan.
 */
async function ask(r: Relayer, s: Sending): Promise<void> {
  const { d } = r
  const { user, body, ctx, sink } = s
  const admission = ctx.admission ?? Promise.resolve()
  admission.catch(() => undefined) // awaited below; this only keeps an early throw from leaving it unhandled
  if (d.isDraining?.()) throw new VcError('VC_ERR_NOT_READY', 'This instance is shutting down; try again')
  await checkOwner(r, user, body.conversationId, admission)
  const messageId = randomUUID()
  const held: Held = { messageId, lease: d.running.hold(messageId) }
  held.lease.catch(() => undefined) // awaited (and its failure logged) by `lockConversation` and `release`
  try {
    const first = await reserve(r, s, held, admission)
    if (first !== undefined) {
      const from = { afterSeq: -1, signal: ctx.signal?.(), waitForRowMs: 3000 }
      return await attachToMessage(d, user, first, from, sink)
    }
    if (!body.conversationId) await admission // a refused request creates nothing at Coze
    const conversationId = body.conversationId ?? (await startConversation(r, user, titleOf(body)))
    held.unlock = await lockConversation(r, user, conversationId, held, admission)
    held.answering = true
    held.handedOver = await answer(r.env, s, { messageId, conversationId }, held.unlock)
  } catch (err) {
    if (!sink.opened) await refusedBeforeStream(r, held)
    throw err
  } finally {
    await release(r, held)
  }
}

async function checkOwner(
  { d, owners }: Relayer,
  user: SessionUser,
  conversationId: string | undefined,
  admission: Promise<void>,
) {
  if (!conversationId || owners.has(user.userId, conversationId)) return
  await admission // a refused request costs no MySQL read
  const own = await d.store.getConversation(user.userId, conversationId)
  if (!own) throw new VcError('VC_ERR_CONVERSATION_NOT_FOUND') // never proxied: ids are not proof
  owners.add(user.userId, conversationId)
}

/** Reserves the `clientMessageId`; the message it already became, when it was taken. */
async function reserve({ d, locks }: Relayer, { user, body }: Sending, held: Held, admission: Promise<void>) {
  if (!body.clientMessageId) return undefined
  const key = keys.clientMessage(user.userId, body.clientMessageId)
  const [taken, admitted] = await Promise.allSettled([
    locks.acquire(user, key, held.messageId, IDEMPOTENCY_TTL_MS),
    admission,
  ])
  if (taken.status === 'fulfilled' && taken.value) held.reservation = key
  if (admitted.status === 'rejected') throw admitted.reason
  if (taken.status === 'rejected') throw taken.reason
  return held.reservation ? undefined : ((await d.locks.holder(key)) ?? '')
}

/** The conversation's lock, taken beside the lease write and the rate limits; 409 when it is held. */
async function lockConversation(
  { env, locks }: Relayer,
  user: SessionUser,
  conversationId: string,
  held: Held,
  admission: Promise<void>,
) {
  const [lease, busy, admitted] = await Promise.allSettled([
    held.lease,
    locks.lockConversation(user, conversationId, held.messageId, env.busyTtlMs),
    admission,
  ])
  if (busy.status === 'fulfilled') held.unlock = busy.value
  if (admitted.status === 'rejected') throw admitted.reason
  if (lease.status === 'rejected') throw lease.reason
  if (busy.status === 'rejected') throw busy.reason
  if (!held.unlock) throw busyError(await locks.holderOf(conversationId))
  return held.unlock
}

/**
 * Refused before any answer existed: the same clientMessageId may try again. Never throws (the refusal
 * is the answer): the reservation goes even when the row's id could not, or it would hold 24 h.
 */
async function refusedBeforeStream({ d, env }: Relayer, held: Held) {
  if (!held.reservation) return
  // Only an answer that was started can have a row (T1) holding the id; the row keeps its status.
  if (held.answering) await env.bounded(d.store.releaseClientMessageId(held.messageId), 'row clientMessageId')
  await env.bounded(d.locks.release(held.reservation, held.messageId), 'clientMessageId release')
}

/**
 * Never throws: a drain waits for the release, and a lost unlock or lease expires by itself. A
 * handed-over answer still runs at Coze: the peer finishing it frees the conversation.
 */
async function release({ d, env }: Relayer, held: Held) {
  const { bounded } = env
  if (held.unlock && !held.handedOver) await bounded(held.unlock(), 'conversation unlock') // no-op once freed
  await bounded(held.lease, 'lease write') // a release must not overtake its own lease write
  await bounded(d.running.release(held.messageId), 'lease release')
}

/** A conversation's title: its first question, or the first attachment's name when it had no text. */
const titleOf = (body: SendInput) => body.message.trim() || body.attachments?.[0]?.name || ''

async function startConversation({ d, env, owners }: Relayer, user: SessionUser, question: string) {
  const { id } = await d.coze.createConversation(question).catch((err: unknown) => {
    throw httpError(env.reported(failureOf(err)))
  })
  const at = env.now()
  await d.store.insertConversation({
    id,
    userId: user.userId,
    title: [...question].slice(0, 60).join(''), // whole characters: an emoji is never cut in half
    createdAt: at,
    updatedAt: at,
  })
  owners.add(user.userId, id)
  return id
}

/** One answer, from asking Coze to the archive; true when it was handed over to a peer. */
async function answer(
  env: RelayEnv,
  s: Sending,
  ids: Run['ids'],
  unlock: () => Promise<unknown>,
): Promise<boolean> {
  const run = await begin(env, s, ids, unlock)
  try {
    const stream = await opened(env, run)
    if (stream) await readAll(env, run, stream)
    if (await handedOver(env, run)) return true
    await end(env, run)
  } catch (err) {
    await crashed(env, run, err) // every answer ends: a bug ends it INTERNAL
  }
  return false
}

export type Relay = ReturnType<typeof createRelay>
