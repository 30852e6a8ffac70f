/**
 * The `Store` contract for the audit chain, retention and per-user export/erasure (issue 6). Called by
 * each adapter's test file beside `runStoreContract`; `open` gives a fresh, unmigrated database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { conversation, fileRow, finish, question, session, T0, TRICKY, uid } from './rows.factory'
import type { OpenTestStore } from './store.contract.test'
import type { AuditRow, Store } from './types'

const auditRow = (seq: number, over: Partial<AuditRow> = {}): AuditRow => ({
  id: uid('aud'),
  seq,
  at: T0 + seq,
  action: 'session.create',
  outcome: 'allowed',
  reason: null,
  userId: uid('usr'),
  phoneMasked: '138****8000',
  clientIp: '2001:db8::1',
  userAgent: TRICKY,
  keyId: 'site-a',
  requestId: 'req-1',
  detail: JSON.stringify({ sessionId: 'ses_1', note: TRICKY }),
  prevHash: '0'.repeat(64),
  hash: 'a'.repeat(64),
  ...over,
})

export function runAuditDataContract(name: string, open: OpenTestStore): void {
  describe(`Store audit and data contract (${name})`, () => {
    let sut: Store
    let cleanup: () => Promise<void>
    beforeAll(async () => {
      ;({ store: sut, cleanup } = await open())
      await sut.migrate()
    })
    afterAll(() => cleanup())

    describe('AuditRepository', () => {
      it('should round-trip every field and report the head', async () => {
        expect(await sut.lastAudit()).toBeUndefined()
        const rows = [
          auditRow(1),
          auditRow(2, { outcome: 'denied', reason: 'SIGNATURE_INVALID', userId: null }),
        ]
        expect(await sut.appendAudit(rows)).toBe(true)
        expect(await sut.listAudit(0, 10)).toEqual(rows)
        expect(await sut.listAudit(1, 10)).toEqual([rows[1]])
        expect(await sut.lastAudit()).toEqual({ seq: 2, hash: rows[1]!.hash })
      })

      it('should write nothing of a batch and return false when a seq is taken', async () => {
        const head = (await sut.lastAudit())!
        const batch = [auditRow(head.seq + 1), auditRow(head.seq)]
        expect(await sut.appendAudit(batch)).toBe(false)
        expect(await sut.listAudit(head.seq, 10)).toEqual([])
      })

      it('should let exactly one of two racing appends of the same seq win', async () => {
        const next = (await sut.lastAudit())!.seq + 1
        const results = await Promise.all([
          sut.appendAudit([auditRow(next)]),
          sut.appendAudit([auditRow(next)]),
        ])
        expect(results.sort()).toEqual([false, true])
      })
    })

    describe('UserDataRepository.deleteChatDataBefore', () => {
      it('should delete only rows older than the cut-off, across users', async () => {
        const cutoff = 9_000_000_000_000
        const oldQ = question({ askedAt: cutoff - 1 })
        const newQ = question({ askedAt: cutoff + 1 })
        const oldC = conversation({ updatedAt: cutoff - 1 })
        const newC = conversation({ updatedAt: cutoff })
        const oldS = session({ expiresAt: cutoff - 1 })
        const newS = session({ expiresAt: cutoff + 1 })
        for (const q of [oldQ, newQ]) await sut.insertQuestion(q)
        for (const c of [oldC, newC]) await sut.insertConversation(c)
        for (const s of [oldS, newS]) await sut.insertSession(s)
        const [oldF, newF] = [fileRow({ createdAt: cutoff - 1 }), fileRow({ createdAt: cutoff })]
        for (const f of [oldF, newF]) await sut.insertFile(f)
        const deleted = await sut.deleteChatDataBefore(cutoff)
        expect(deleted.messages).toBeGreaterThanOrEqual(1)
        expect(await sut.getMessage(oldQ.userId, oldQ.id)).toBeUndefined()
        expect(await sut.getMessage(newQ.userId, newQ.id)).toBeDefined()
        expect(await sut.getConversation(oldC.userId, oldC.id)).toBeUndefined()
        expect(await sut.getConversation(newC.userId, newC.id)).toBeDefined()
        expect((await sut.exportUserData(oldS.userId)).sessions).toEqual([])
        expect((await sut.exportUserData(newS.userId)).sessions).toEqual([newS])
        expect(await sut.getFileContent(oldF.userId, oldF.fileId)).toBeUndefined()
        expect(await sut.getFileContent(newF.userId, newF.fileId)).toBeDefined()
      })

      it('should delete more rows than one batch holds', async () => {
        const userId = uid('usr')
        const many = Array.from({ length: 1001 }, (_, i) => question({ userId, askedAt: 1_000 + i }))
        for (const q of many) await sut.insertQuestion(q)
        expect((await sut.deleteChatDataBefore(2_000_000)).messages).toBe(1001)
        expect((await sut.exportUserData(userId)).messages).toEqual([])
      })
    })

    describe('UserDataRepository: exportUserData / eraseUserData', () => {
      it("should export and erase one user's rows and leave others untouched", async () => {
        const [me, other] = [uid('usr'), uid('usr')]
        const seed = async (userId: string) => {
          const s = session({ userId })
          const c = conversation({ userId })
          const q = question({ userId, conversationId: c.id, sessionId: s.id, question: TRICKY })
          await sut.insertSession(s)
          await sut.insertConversation(c)
          await sut.insertQuestion(q)
          await sut.finishMessage(q.id, finish())
          const f = fileRow({ userId })
          await sut.insertFile(f)
          return { s, c, q, f }
        }
        const mine = await seed(me)
        await seed(other)
        const next = (await sut.lastAudit())!.seq + 1
        await sut.appendAudit([auditRow(next, { userId: me })])

        const exported = await sut.exportUserData(me)
        expect(exported.sessions).toEqual([mine.s])
        expect(exported.conversations).toEqual([mine.c])
        expect(exported.messages.map((m) => [m.id, m.question, m.answer])).toEqual([
          [mine.q.id, TRICKY, finish().answer],
        ])
        expect(exported.auditEvents.map((a) => a.seq)).toEqual([next])
        const { content, ...file } = mine.f
        expect(exported.files).toEqual([{ ...file, contentBase64: content!.toString('base64') }])

        expect(await sut.eraseUserData(me)).toEqual({ sessions: 1, conversations: 1, messages: 1, files: 1 })
        const after = await sut.exportUserData(me)
        expect([after.sessions, after.conversations, after.messages, after.files]).toEqual([[], [], [], []])
        expect(after.auditEvents).toHaveLength(1) // append-only: erasure never touches audit rows
        const untouched = await sut.exportUserData(other)
        expect(
          [untouched.sessions, untouched.conversations, untouched.messages, untouched.files].map(
            (x) => x.length,
          ),
        ).toEqual([1, 1, 1, 1])
      })
    })
  })
}
