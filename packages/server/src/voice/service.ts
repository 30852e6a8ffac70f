/**
 * The voice feature's rules (issue 7), without fastify: tickets, limits, the two WebSocket relays and
 * the REST fallbacks. Routes only parse and call these.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { WebSocket, RawData } from 'ws'
import type { Config } from '../core/config'
import type { CozeAuth } from '../core/coze/auth'
import { isVcError, VcError } from '../core/errors'
import type { Sessions } from '../identity/types'
import type { Kv } from '../core/kv/types'
import { startBridge, type BridgeResult } from './bridge'
import { errorFrame } from './frames'
import { createVoiceLimits } from './limits'
import {
  combineVoiceObservers,
  loggingObserver,
  type VoiceConnectionInfo,
  type VoiceObserver,
} from './observer'
import { createVoiceFallback } from './fallback'
import { createCozeAudioRest } from './rest'
import { createVoiceTickets, type VoiceGrant, type VoicePurpose } from './tickets'
import { openUpstream } from './upstream'
import type { SessionUser } from '../core/session-user'

export interface VoiceDeps {
  config: Config['voice']
  coze: { apiBase: string; wsBase: string; idleTimeoutMs: number }
  kv: Kv
  cozeAuth: CozeAuth
  /** A ticket's session must still be valid at the upgrade; an open socket closes when it is revoked. */
  sessions: Pick<Sessions, 'isLive' | 'hold'>
  log: Logger
  observers?: VoiceObserver[]
}

/** What the upgrade checks hand to `connect` once the socket is accepted. */
export interface Admission {
  grant: VoiceGrant
  release(): Promise<void>
}

const COZE_PATHS: Record<VoicePurpose, string> = {
  tts: '/v1/audio/speech',
  asr: '/v1/audio/transcriptions',
}
const CONNECT_TIMEOUT_MS = 10_000

export function createVoice(d: VoiceDeps) {
  const c = d.config
  const tickets = createVoiceTickets({ kv: d.kv, bindIp: c.ticketBindIp })
  const limits = createVoiceLimits({
    kv: d.kv,
    maxConnections: c.maxConnectionsPerUser,
    secondsPerDay: c.secondsPerDay,
    slotTtlMs: c.maxDurationMs + 60_000,
  })
  const rest = createCozeAudioRest({
    apiBase: d.coze.apiBase,
    auth: d.cozeAuth,
    timeoutMs: d.coze.idleTimeoutMs,
  })
  const observers = combineVoiceObservers([loggingObserver(d.log), ...(d.observers ?? [])], (err) =>
    d.log.warn({ err }, 'voice observer failed'),
  )
  const live = new Set<ReturnType<typeof startBridge>>()
  const totals = { opened: 0, closed: 0, peakBufferedToBrowser: 0, peakBufferedToCoze: 0, pauses: 0 }

  async function issueTicket(user: SessionUser, tokenHash: string, purpose: VoicePurpose, clientIp: string) {
    // Advisory here (the upgrade decides), but a browser can read this 429 and not the upgrade's.
    await limits.checkBudget(user.userId)
    const open = await limits.openConnections(user.userId)
    if (c.maxConnectionsPerUser > 0 && open >= c.maxConnectionsPerUser) throw limits.busy()
    const issued = await tickets.issue(user, tokenHash, purpose, clientIp)
    observers.call('ticketIssued', { userId: user.userId, sessionId: user.sessionId, purpose, clientIp })
    return issued
  }

  /** Upgrade-time checks, before the 101: the ticket (used up), the budget, a connection slot. */
  async function admit(
    ticket: string | undefined,
    purpose: VoicePurpose,
    ip: string,
    presenterUserId?: string,
  ): Promise<Admission> {
    const grant = await tickets.consume(ticket, { purpose, ip, userId: presenterUserId })
    // Issue 20 #7: a ticket issued before its session was revoked (or expired) opens nothing.
    if (!(await d.sessions.isLive(grant.tokenHash)))
      throw new VcError('VC_ERR_TICKET_INVALID', 'Voice ticket belongs to a session that has ended')
    await limits.checkBudget(grant.userId)
    const release = await limits.acquireConnection(grant.userId)
    return { grant, release }
  }

  /** Runs an accepted socket: connect to Coze (browser frames held meanwhile), then relay. */
  async function connect(browser: WebSocket, a: Admission, ctx: { requestId: string; clientIp: string }) {
    const info: VoiceConnectionInfo = {
      connectionId: randomUUID(),
      userId: a.grant.userId,
      sessionId: a.grant.sessionId,
      purpose: a.grant.purpose,
      requestId: ctx.requestId,
      clientIp: ctx.clientIp,
    }
    const started = Date.now()
    totals.opened++
    observers.call('connectionOpened', info)
    const meter = limits.meter(a.grant.userId)
    const finish = (r: BridgeResult) => {
      totals.closed++
      totals.peakBufferedToBrowser = Math.max(totals.peakBufferedToBrowser, r.peakBufferedToBrowser)
      totals.peakBufferedToCoze = Math.max(totals.peakBufferedToCoze, r.peakBufferedToCoze)
      totals.pauses += r.pausesOfBrowser + r.pausesOfCoze
      void Promise.all([meter.flush(), a.release()]).catch((err) =>
        d.log.warn({ err }, 'voice cleanup failed'),
      )
      observers.call('connectionClosed', { ...info, ...r, durationMs: Date.now() - started })
    }

    browser.pause()
    const held: { data: RawData; isBinary: boolean }[] = []
    const hold = (data: RawData, isBinary: boolean) => held.push({ data, isBinary })
    const ac = new AbortController()
    const leave = () => ac.abort()
    browser.on('message', hold)
    browser.on('close', leave)
    // Held under its session while open: a revoke on any instance ends it (before Coze answered, too).
    let revoked = false
    const running: { bridge?: ReturnType<typeof startBridge> } = {}
    const release = d.sessions.hold({ tokenHash: a.grant.tokenHash, userId: a.grant.userId }, () => {
      revoked = true
      if (running.bridge) running.bridge.stop('VC_ERR_TOKEN_INVALID', undefined, 1008)
      else ac.abort()
    })
    browser.once('close', release)
    let upstream
    try {
      upstream = await openUpstream({
        url: d.coze.wsBase + COZE_PATHS[a.grant.purpose],
        auth: d.cozeAuth,
        maxPayload: c.maxFrameBytes,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        signal: ac.signal,
      })
    } catch (err) {
      const vc = revoked
        ? new VcError('VC_ERR_TOKEN_INVALID')
        : isVcError(err)
          ? err
          : new VcError('VC_ERR_UPSTREAM_UNAVAILABLE')
      if (!isVcError(err) && !revoked) d.log.error({ err }, 'voice upstream connect failed')
      const closeCode = revoked ? 1008 : 1011
      if (browser.readyState === browser.OPEN) {
        browser.send(errorFrame(vc.key, ctx.requestId, vc.message))
        browser.resume() // to read the browser's close reply, or the close handshake hangs
        browser.close(closeCode)
      }
      return finish({ ...emptyResult, closeCode, reason: vc.code })
    } finally {
      browser.off('message', hold)
      browser.off('close', leave)
    }
    let ended = false
    const bridge = (running.bridge = startBridge({
      purpose: a.grant.purpose,
      browser,
      upstream: upstream.ws,
      held,
      early: upstream.takeOver(),
      requestId: ctx.requestId,
      ...(a.grant.purpose === 'tts' && c.voiceId !== undefined ? { voiceId: c.voiceId } : {}),
      idleTimeoutMs: c.idleTimeoutMs,
      maxDurationMs: c.maxDurationMs,
      pingIntervalMs: c.pingIntervalMs,
      // Budget storage failing must not cut a conversation: fail open, and say so.
      meter: (s) =>
        meter.add(s).catch((err: unknown) => (d.log.warn({ err }, 'voice budget not counted'), true)),
      onEnd: (r) => {
        ended = true
        live.delete(running.bridge!)
        release()
        finish(r)
      },
    }))
    if (!ended) live.add(bridge)
    // Revoked between Coze's answer and the bridge: nothing could stop it then.
    if (revoked) bridge.stop('VC_ERR_TOKEN_INVALID', undefined, 1008)
  }

  const fallback = createVoiceFallback({ rest, limits, observers, defaultVoiceId: c.voiceId, log: d.log })

  return {
    issueTicket,
    admit,
    connect,
    speech: fallback.speech,
    transcribe: fallback.transcribe,
    /** Registers an audit (or metrics) observer of tickets and connections. */
    addObserver: (o: VoiceObserver) => observers.add(o),
    /** Open connections and the highest proxy-side buffering seen so far (backpressure evidence). */
    stats: () => {
      let peakToBrowser = totals.peakBufferedToBrowser
      let peakToCoze = totals.peakBufferedToCoze
      for (const b of live) {
        peakToBrowser = Math.max(peakToBrowser, b.stats().peakBufferedToBrowser)
        peakToCoze = Math.max(peakToCoze, b.stats().peakBufferedToCoze)
      }
      return {
        ...totals,
        open: live.size,
        peakBufferedToBrowser: peakToBrowser,
        peakBufferedToCoze: peakToCoze,
      }
    },
    /** Shutdown: every open connection gets an `INTERRUPTED` error frame and a 1001 close. */
    stopAll() {
      for (const b of [...live])
        b.stop('VC_ERR_INTERRUPTED', 'The service is restarting: open a new voice connection')
    },
    /** Live connections' backpressure state (tests wait on it instead of on time). */
    liveBridges: () => [...live].map((b) => b.stats()),
    limits,
    close: () => rest.close(),
  }
}

export type Voice = ReturnType<typeof createVoice>

const emptyResult: Omit<BridgeResult, 'closeCode' | 'reason'> = {
  framesIn: 0,
  bytesIn: 0,
  framesOut: 0,
  bytesOut: 0,
  audioSeconds: 0,
  peakBufferedToBrowser: 0,
  peakBufferedToCoze: 0,
  pausesOfCoze: 0,
  pausesOfBrowser: 0,
}
