import { describe, expect, it } from 'vitest'
import { isVcError } from '../core/errors'
import { keys } from '../core/kv/keys'
import { createMemoryKv } from '../backends/memory/kv'
import { createVoiceTickets, TICKET_TTL_MS } from './tickets'
import type { SessionUser } from '../core/session-user'
import { hashToken } from '../core/token'

const user = (userId = 'u1'): SessionUser => ({
  sessionId: `s-${userId}`,
  userId,
  phoneMasked: '138****8000',
  cozeUserId: userId,
  displayName: null,
  expiresAt: Date.now() + 3_600_000,
})

const TOKEN_HASH = hashToken('a session token')

function setup(bindIp = true) {
  const clock = { t: 1_760_000_000_000 }
  const now = () => clock.t
  const kv = createMemoryKv({ now })
  return { clock, kv, sut: createVoiceTickets({ kv, bindIp, now }) }
}

const reason = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isVcError(err)) throw new Error(`expected a VcError, got ${String(err)}`)
  expect(err).toMatchObject({ code: 'TICKET_INVALID', status: 401 })
  return err.message
}

describe('createVoiceTickets', () => {
  describe('issue', () => {
    it('should return 256 random bits and an expiry 60 s ahead, and store only the hash', async () => {
      const { sut, kv, clock } = setup()
      const a = await sut.issue(user(), TOKEN_HASH, 'tts', '10.0.0.1')
      const b = await sut.issue(user(), TOKEN_HASH, 'tts', '10.0.0.1')
      expect(a.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(a.ticket).not.toBe(b.ticket)
      expect(a.expiresAt).toBe(new Date(clock.t + TICKET_TTL_MS).toISOString())
      expect(await kv.get(keys.voiceTicket(hashToken(a.ticket)))).not.toContain(a.ticket)
      expect(await kv.pttl(keys.voiceTicket(hashToken(a.ticket)))).toBe(TICKET_TTL_MS)
    })
  })

  describe('consume', () => {
    it('should let the ticket in once, bound to its user and purpose', async () => {
      const { sut } = setup()
      const { ticket } = await sut.issue(user(), TOKEN_HASH, 'asr', '10.0.0.1')
      await expect(sut.consume(ticket, { purpose: 'asr', ip: '10.0.0.1' })).resolves.toEqual({
        userId: 'u1',
        sessionId: 's-u1',
        tokenHash: TOKEN_HASH,
        purpose: 'asr',
      })
      expect(await reason(sut.consume(ticket, { purpose: 'asr', ip: '10.0.0.1' }))).toMatch(/already used/)
    })

    it('should let exactly one of two concurrent uses in', async () => {
      const { sut } = setup()
      const { ticket } = await sut.issue(user(), TOKEN_HASH, 'tts', '10.0.0.1')
      const results = await Promise.allSettled(
        [1, 2, 3].map(() => sut.consume(ticket, { purpose: 'tts', ip: '10.0.0.1' })),
      )
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    })

    it('should refuse an expired ticket', async () => {
      const { sut, clock } = setup()
      const { ticket } = await sut.issue(user(), TOKEN_HASH, 'tts', '10.0.0.1')
      clock.t += TICKET_TTL_MS
      expect(await reason(sut.consume(ticket, { purpose: 'tts', ip: '10.0.0.1' }))).toMatch(/expired/)
    })

    it('should refuse, and burn, a ticket presented for the other purpose', async () => {
      const { sut } = setup()
      const { ticket } = await sut.issue(user(), TOKEN_HASH, 'tts', '10.0.0.1')
      expect(await reason(sut.consume(ticket, { purpose: 'asr', ip: '10.0.0.1' }))).toMatch(/issued for tts/)
      expect(await reason(sut.consume(ticket, { purpose: 'tts', ip: '10.0.0.1' }))).toMatch(/already used/)
    })

    it("should refuse someone else's ticket: another user, or another address", async () => {
      const { sut } = setup()
      const a = await sut.issue(user('alice'), TOKEN_HASH, 'tts', '10.0.0.1')
      expect(await reason(sut.consume(a.ticket, { purpose: 'tts', ip: '10.0.0.1', userId: 'bob' }))).toMatch(
        /another user/,
      )
      const b = await sut.issue(user('alice'), TOKEN_HASH, 'tts', '10.0.0.1')
      expect(await reason(sut.consume(b.ticket, { purpose: 'tts', ip: '10.9.9.9' }))).toMatch(/address/)
    })

    it('should refuse a ticket that names no session token (issued before issue 20 #7)', async () => {
      const { sut, kv, clock } = setup()
      const ticket = 'A'.repeat(43)
      const record = {
        userId: 'u1',
        sessionId: 's-u1',
        purpose: 'tts',
        ip: '10.0.0.1',
        expiresAt: clock.t + 1000,
      }
      await kv.set(keys.voiceTicket(hashToken(ticket)), JSON.stringify(record))
      expect(await reason(sut.consume(ticket, { purpose: 'tts', ip: '10.0.0.1' }))).toMatch(/unknown/)
    })

    it('should ignore the address when binding is off', async () => {
      const { sut } = setup(false)
      const { ticket } = await sut.issue(user(), TOKEN_HASH, 'tts', '10.0.0.1')
      await expect(sut.consume(ticket, { purpose: 'tts', ip: '10.9.9.9' })).resolves.toBeDefined()
    })

    it.each([undefined, '', 'short', 'x'.repeat(43) + '!'])(
      'should refuse %j without a lookup',
      async (t) => {
        const { sut } = setup()
        expect(await reason(sut.consume(t, { purpose: 'tts', ip: '10.0.0.1' }))).toMatch(
          /missing or malformed/,
        )
      },
    )
  })
})
