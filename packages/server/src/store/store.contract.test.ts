/**
 * The `Store` contract (STYLE §2): every adapter's test file calls `runStoreContract`; vitest never runs
 * this file alone. `open` must give a store on a fresh, empty, unmigrated database each time it is called.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { conversation, fileRow, finish, question, session, T0, TRICKY, uid } from './rows.factory'
import type { MessageStatus, Store } from './types'

export type OpenTestStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>

const utf8 = (s: string | null | undefined) => Buffer.from(s ?? '', 'utf8').toString('hex')

/** Runs the whole contract against one adapter, per repository (`types.ts`). */
export function runStoreContract(name: string, open: OpenTestStore): void {
  describe(`Store contract (${name})`, () => {
    let sut: Store
    let cleanup: () => Promise<void>

    beforeAll(async () => {
      ;({ store: sut, cleanup } = await open())
      await sut.migrate()
    })
    afterAll(() => cleanup())

    describe('ArchiveLifecycle.migrate', () => {
      it('should be a no-op when run again, keeping the data', async () => {
        const row = conversation()
        await sut.insertConversation(row)
        await sut.migrate()
        expect(await sut.getConversation(row.userId, row.id)).toEqual(row)
      })

      it('should succeed for both when two migrate() run at once on a fresh database', async () => {
        const fresh = await open()
        try {
          await Promise.all([fresh.store.migrate(), fresh.store.migrate()])
          const row = conversation()
          await fresh.store.insertConversation(row)
          expect(await fresh.store.getConversation(row.userId, row.id)).toEqual(row)
        } finally {
          await fresh.cleanup()
        }
      })
    })

    describe('SessionRepository.revokeSessions', () => {
      it('should revoke one active session by id, once', async () => {
        const row = session()
        await sut.insertSession(row)
        expect(await sut.revokeSessions({ id: row.id }, T0 + 1)).toBe(1)
        expect(await sut.revokeSessions({ id: row.id }, T0 + 2)).toBe(0)
      })

      it("should revoke only the user's still-active sessions when given a userId", async () => {
        const userId = uid('usr')
        const other = session()
        await sut.insertSession(session({ userId }))
        await sut.insertSession(session({ userId, externalUserId: null, displayName: null, clientIp: null }))
        await sut.insertSession(session({ userId, revokedAt: T0 }))
        await sut.insertSession(other)
        expect(await sut.revokeSessions({ userId }, T0 + 1)).toBe(2)
        expect(await sut.revokeSessions({ userId }, T0 + 2)).toBe(0)
        expect(await sut.revokeSessions({ id: other.id }, T0 + 3)).toBe(1)
      })

      it('should count nothing when no session matches', async () => {
        expect(await sut.revokeSessions({ id: uid('ses') }, T0)).toBe(0)
        expect(await sut.revokeSessions({ userId: uid('usr') }, T0)).toBe(0)
      })

      it('should reject a duplicate session id', async () => {
        const row = session()
        await sut.insertSession(row)
        await expect(sut.insertSession(row)).rejects.toThrow()
      })
    })

    describe('SessionRepository.getSessionByTokenHash', () => {
      it('should round-trip a session row and find it by its token hash', async () => {
        const row = session({ variables: { company: TRICKY, plan: 'pro' }, displayName: TRICKY })
        await sut.insertSession(row)
        expect(await sut.getSessionByTokenHash(row.tokenHash!)).toEqual(row)
      })

      it('should keep the nullable record columns null', async () => {
        const row = session({ cozeUserId: null, variables: null, externalUserId: null, clientIp: null })
        await sut.insertSession(row)
        expect(await sut.getSessionByTokenHash(row.tokenHash!)).toEqual(row)
      })

      it('should return revoked and expired rows as they are, and undefined for an unknown hash', async () => {
        const row = session({ expiresAt: T0 - 1 })
        await sut.insertSession(row)
        await sut.revokeSessions({ id: row.id }, T0 + 5)
        expect(await sut.getSessionByTokenHash(row.tokenHash!)).toEqual({ ...row, revokedAt: T0 + 5 })
        expect(await sut.getSessionByTokenHash('f'.repeat(64))).toBeUndefined()
      })

      it('should refuse a second row with the same token hash but allow many without one', async () => {
        const row = session()
        await sut.insertSession(row)
        await expect(sut.insertSession(session({ tokenHash: row.tokenHash }))).rejects.toThrow()
        await sut.insertSession(session({ tokenHash: null }))
        await sut.insertSession(session({ tokenHash: null }))
      })
    })

    describe('ConversationRepository', () => {
      it('should round-trip a conversation to its owner only', async () => {
        const row = conversation({ title: TRICKY })
        await sut.insertConversation(row)
        const got = await sut.getConversation(row.userId, row.id)
        expect(got).toEqual(row)
        expect(utf8(got?.title)).toBe(utf8(TRICKY))
        expect(await sut.getConversation(uid('usr'), row.id)).toBeUndefined()
        expect(await sut.getConversation(row.userId, uid('cnv'))).toBeUndefined()
      })

      it('should list most recently active first, limited, own rows only', async () => {
        const userId = uid('usr')
        const [a, b, c] = [1, 3, 2].map((n) => conversation({ userId, updatedAt: T0 + n }))
        for (const row of [a, b, c, conversation({ updatedAt: T0 + 9 })]) await sut.insertConversation(row!)
        expect(await sut.listConversations(userId, 10)).toEqual([b, c, a])
        expect(await sut.listConversations(userId, 2)).toEqual([b, c])
      })

      it('should move a touched conversation to the front and never back in time', async () => {
        const userId = uid('usr')
        const [a, b] = [1, 2].map((n) => conversation({ userId, updatedAt: T0 + n }))
        await sut.insertConversation(a!)
        await sut.insertConversation(b!)
        await sut.touchConversation(userId, a!.id, T0 + 10)
        await sut.touchConversation(userId, a!.id, T0 + 5)
        await sut.touchConversation(uid('usr'), b!.id, T0 + 20)
        expect(await sut.listConversations(userId, 10)).toEqual([{ ...a!, updatedAt: T0 + 10 }, b])
      })

      it("should mark a new topic after the conversation's newest message, its owner's only", async () => {
        const { userId, conversationId } = question()
        expect(await sut.markNewTopic(userId, conversationId, T0 + 50)).toBe(false)
        const [older, newest] = [1, 2].map((n) => question({ userId, conversationId, askedAt: T0 + n }))
        for (const row of [older!, newest!]) await sut.insertQuestion(row)
        expect(await sut.markNewTopic(uid('usr'), conversationId, T0 + 50)).toBe(false)
        expect(await sut.markNewTopic(userId, conversationId, T0 + 50)).toBe(true)
        expect((await sut.getMessage(userId, newest!.id))?.newTopicAt).toBe(T0 + 50)
        expect(await sut.getMessage(userId, older!.id)).not.toHaveProperty('newTopicAt')
      })
    })

    describe('MessageRepository', () => {
      it('should store a question as in_progress with an empty answer', async () => {
        const q = question({ clientMessageId: uid('cm') })
        await sut.insertQuestion(q)
        expect(await sut.getMessage(q.userId, q.id)).toEqual({
          ...q,
          ...{ status: 'in_progress', cozeChatId: null, answer: '', reasoning: null, errorCode: null },
          ...{
            errorMessage: null,
            inputTokens: null,
            outputTokens: null,
            firstTokenAt: null,
            finishedAt: null,
            cozeCode: null,
            cozeLogid: null,
            parts: null,
            suggestions: null,
          },
          ...{ feedback: null, feedbackComment: null, cozeMessageId: null },
        })
        await sut.setCozeChatId(q.id, '7491234567890123456')
        expect((await sut.getMessage(q.userId, q.id))?.cozeChatId).toBe('7491234567890123456')
      })

      it('should round-trip every field byte-exact after finish, long answers included', async () => {
        const q = question({
          question: TRICKY,
          clientMessageId: uid('cm'),
          userAgent: TRICKY,
          clientIp: null,
        })
        const answer = `${TRICKY}\n${'火山🌋abc'.repeat(6_000)}`
        const f = finish({ answer, reasoning: TRICKY, inputTokens: 2_000_000, firstTokenAt: T0 + 1 })
        expect(Buffer.byteLength(answer)).toBeGreaterThan(70_000)
        await sut.insertQuestion(q)
        expect(await sut.finishMessage(q.id, f)).toBe(true)
        const got = await sut.getMessage(q.userId, q.id)
        expect(got).toEqual({
          ...q,
          ...f,
          cozeChatId: null,
          feedback: null,
          feedbackComment: null,
          cozeMessageId: null,
        })
        for (const key of ['question', 'answer', 'reasoning', 'userAgent'] as const) {
          expect(utf8(got?.[key])).toBe(utf8({ ...q, ...f }[key]))
        }
        for (const key of ['askedAt', 'finishedAt', 'firstTokenAt', 'inputTokens', 'outputTokens'] as const) {
          expect(typeof got?.[key]).toBe('number')
        }
      })

      it("should keep a reply's parent, an answer's parts and Coze's code and logid", async () => {
        const q = question({ parentMessageId: uid('msg') })
        const parts = [
          { kind: 'card' as const, data: { title: TRICKY, nested: [1, { a: null }] } },
          { kind: 'text' as const, text: TRICKY },
          { kind: 'image' as const, data: { url: 'https://example.com/a.png', name: 'a' } },
        ]
        const f = finish({
          status: 'failed',
          parts,
          cozeCode: 788788103,
          cozeLogid: '20250402172757C9D48D9701EFB24031A7',
        })
        await sut.insertQuestion(q)
        await sut.finishMessage(q.id, f)
        const unrated = { feedback: null, feedbackComment: null, cozeMessageId: null }
        expect(await sut.getMessage(q.userId, q.id)).toEqual({ ...q, ...f, cozeChatId: null, ...unrated })
      })

      it("should keep Coze's follow-up suggestions with the answer", async () => {
        const q = question()
        const f = finish({ suggestions: [TRICKY, '还有别的吗？'] })
        await sut.insertQuestion(q)
        await sut.finishMessage(q.id, f)
        expect((await sut.getMessage(q.userId, q.id))?.suggestions).toEqual([TRICKY, '还有别的吗？'])
      })

      it('should finish only once: a second finish returns false and changes nothing', async () => {
        const q = question()
        await sut.insertQuestion(q)
        expect(await sut.finishMessage(q.id, finish({ status: 'cancelled', answer: 'partial' }))).toBe(true)
        expect(await sut.finishMessage(q.id, finish({ answer: 'late' }))).toBe(false)
        expect(await sut.finishMessage(uid('msg'), finish())).toBe(false)
        expect(await sut.getMessage(q.userId, q.id)).toMatchObject({ status: 'cancelled', answer: 'partial' })
      })

      it.each<Exclude<MessageStatus, 'in_progress'>>(['completed', 'failed', 'cancelled', 'interrupted'])(
        'should store status %s with its error fields',
        async (status) => {
          const q = question()
          const f = finish({
            status,
            errorCode: 'UPSTREAM_ERROR',
            errorMessage: '上游错误',
            firstTokenAt: null,
          })
          await sut.insertQuestion(q)
          await sut.finishMessage(q.id, { ...f, inputTokens: null, outputTokens: null })
          expect(await sut.getMessage(q.userId, q.id)).toMatchObject({
            ...f,
            inputTokens: null,
            outputTokens: null,
          })
        },
      )

      it("should never return another user's message", async () => {
        const q = question()
        await sut.insertQuestion(q)
        expect(await sut.getMessage(uid('usr'), q.id)).toBeUndefined()
        expect(await sut.listMessages(uid('usr'), q.conversationId, { limit: 10 })).toEqual([])
      })

      it('should reject a repeated clientMessageId from the same user only', async () => {
        const q = question({ clientMessageId: uid('cm') })
        await sut.insertQuestion(q)
        await expect(sut.insertQuestion({ ...q, id: uid('msg') })).rejects.toThrow()
        await expect(
          sut.insertQuestion({ ...q, id: uid('msg'), userId: uid('usr') }),
        ).resolves.toBeUndefined()
        await sut.insertQuestion({ ...q, id: uid('msg'), clientMessageId: null })
        await sut.insertQuestion({ ...q, id: uid('msg'), clientMessageId: null })
        await expect(sut.insertQuestion({ ...q, clientMessageId: null })).rejects.toThrow()
      })

      it('should keep each write of a burst its own: rows, chat ids, touches, one bad row', async () => {
        const userId = uid('usr')
        const convs = [1, 2, 3].map((n) => conversation({ userId, updatedAt: T0 + n }))
        await Promise.all(convs.map((c) => sut.insertConversation(c)))
        const taken = question({ userId, clientMessageId: uid('cm') })
        await sut.insertQuestion(taken)
        const qs = convs.map((c) => question({ userId, conversationId: c.id }))
        const burst = await Promise.allSettled([
          ...qs.map((q) => sut.insertQuestion(q)),
          sut.insertQuestion({ ...taken, id: uid('msg') }), // the same clientMessageId: only this fails
          ...[1, 2, 3].map((n) => sut.insertSession(session({ userId, createdAt: T0 + n }))),
        ])
        expect(burst.map((r) => r.status)).toEqual([
          ...Array(3).fill('fulfilled'),
          'rejected',
          'fulfilled',
          'fulfilled',
          'fulfilled',
        ])
        await Promise.all(qs.map((q, i) => sut.setCozeChatId(q.id, `chat-${i}`)))
        for (const [i, q] of qs.entries())
          expect((await sut.getMessage(userId, q.id))?.cozeChatId).toBe(`chat-${i}`)
        await Promise.all([
          sut.touchConversation(userId, convs[0]!.id, T0 + 50),
          sut.touchConversation(userId, convs[1]!.id, T0 + 40),
          sut.touchConversation(uid('usr'), convs[2]!.id, T0 + 60), // not the owner: untouched
        ])
        // Touches of one turn share its latest time: both touched ones move ahead, the other stays.
        const listed = await sut.listConversations(userId, 10)
        expect(
          listed
            .slice(0, 2)
            .map((c) => c.id)
            .sort(),
        ).toEqual([convs[0]!.id, convs[1]!.id].sort())
        expect(listed.slice(0, 2).every((c) => c.updatedAt >= T0 + 50)).toBe(true)
        expect(listed[2]).toEqual(convs[2])
      })

      it('should compare ids byte-exact, so ids differing only in case are distinct', async () => {
        const q = question({ clientMessageId: 'AbC-1' })
        await sut.insertQuestion(q)
        await sut.insertQuestion({ ...q, id: q.id.toUpperCase(), clientMessageId: 'abc-1' })
        expect((await sut.getMessage(q.userId, q.id))?.clientMessageId).toBe('AbC-1')
        expect((await sut.getMessage(q.userId, q.id.toUpperCase()))?.clientMessageId).toBe('abc-1')
      })
    })

    describe('FileRepository', () => {
      it("should keep an image's bytes exactly and give them to its owner only", async () => {
        const image = fileRow({ content: Buffer.concat([fileRow().content!, Buffer.alloc(200_000, 0xff)]) })
        await sut.insertFile({ ...image, bytes: image.content!.length })
        const got = await sut.getFileContent(image.userId, image.fileId)
        expect(got).toEqual({ ...image, bytes: image.content!.length })
        expect(got!.content!.equals(image.content!)).toBe(true)
        expect(await sut.getFileContent(uid('usr'), image.fileId)).toBeUndefined()
      })

      it("should find the user's own files among ids without their content", async () => {
        const userId = uid('usr')
        const doc = fileRow({ userId, kind: 'file', mime: 'application/pdf', name: 'a.pdf', content: null })
        const image = fileRow({ userId })
        const theirs = fileRow()
        for (const f of [doc, image, theirs]) await sut.insertFile(f)
        const got = await sut.getFiles(userId, [image.fileId, doc.fileId, theirs.fileId, 'fil_unknown'])
        expect(got.sort((a, b) => a.fileId.localeCompare(b.fileId))).toEqual(
          [doc, { ...image, content: null }].sort((a, b) => a.fileId.localeCompare(b.fileId)),
        )
        expect(await sut.getFiles(userId, [])).toEqual([])
      })

      it("should keep a question's attachments, in order, without Coze's ids", async () => {
        const attachments = [
          { fileId: uid('fil'), name: TRICKY, kind: 'image' as const, mime: 'image/png', bytes: 68 },
          { fileId: uid('fil'), name: 'b.pdf', kind: 'file' as const, mime: 'application/pdf', bytes: 9 },
        ]
        const q = question({ attachments: attachments.map((a) => ({ ...a, cozeFileId: '749' })) })
        await sut.insertQuestion(q)
        expect((await sut.getMessage(q.userId, q.id))?.attachments).toEqual(attachments)
      })
    })

    describe('MessageRepository.setFeedback', () => {
      it("should keep the rating, its comment and Coze's message id, and clear them again", async () => {
        const q = question()
        await sut.insertQuestion(q)
        await sut.setFeedback(q.userId, q.id, { feedback: 'unlike', comment: '不对', cozeMessageId: 'cm-1' })
        await sut.setFeedback(q.userId, q.id, { feedback: 'unlike', comment: '不对' }) // unchanged: no error
        expect(await sut.getMessage(q.userId, q.id)).toMatchObject({
          feedback: 'unlike',
          feedbackComment: '不对',
          cozeMessageId: 'cm-1',
        })
        await sut.setFeedback(q.userId, q.id, { feedback: null, comment: null })
        expect(await sut.getMessage(q.userId, q.id)).toMatchObject({ feedback: null, cozeMessageId: 'cm-1' })
      })

      it("should leave another user's message alone", async () => {
        const q = question()
        await sut.insertQuestion(q)
        await sut.setFeedback(uid('usr'), q.id, { feedback: 'like', comment: null })
        expect((await sut.getMessage(q.userId, q.id))?.feedback).toBeNull()
      })
    })

    describe('MessageRepository.releaseClientMessageId', () => {
      it('should free the clientMessageId for a new message of the same user', async () => {
        const first = question({ clientMessageId: 'retry-me' })
        await sut.insertQuestion(first)
        await sut.releaseClientMessageId(first.id)
        const again = question({ userId: first.userId, clientMessageId: 'retry-me' })
        await sut.insertQuestion(again)
        expect((await sut.getMessage(first.userId, first.id))?.clientMessageId).toBeNull()
        expect((await sut.getMessage(first.userId, again.id))?.clientMessageId).toBe('retry-me')
      })
    })

    describe('MessageRepository.listInProgress', () => {
      it('should list only unfinished answers asked before the cut-off, oldest first, across users', async () => {
        const base = 5_000_000_000_000 + Math.floor(Math.random() * 1e6) * 1000
        const old1 = question({ askedAt: base + 1 })
        const old2 = question({ askedAt: base + 2 })
        const finished = question({ askedAt: base + 3 })
        const recent = question({ askedAt: base + 50 })
        for (const q of [old2, old1, finished, recent]) await sut.insertQuestion(q)
        await sut.finishMessage(finished.id, finish())
        const listed = (await sut.listInProgress(base + 10, 1000)).filter((m) => m.askedAt > base)
        expect(listed.map((m) => m.id)).toEqual([old1.id, old2.id])
        expect(listed[0]?.userId).toBe(old1.userId)
      })
    })

    describe('MessageRepository.listMessages', () => {
      const userId = uid('usr')
      const conversationId = uid('cnv')
      // Two share asked_at so the id tie-break is exercised; ids sort in insertion order.
      const rows = [0, 1, 1, 2, 3].map((n, i) =>
        question({ id: `m${i}_${uid('x')}`, userId, conversationId, askedAt: T0 + n }),
      )
      const ids = (list: { id: string }[]) => list.map((m) => m.id)
      const newestFirst = ids([...rows].reverse())

      beforeAll(async () => {
        for (const row of rows) await sut.insertQuestion(row)
        await sut.insertQuestion(question({ userId, askedAt: T0 + 9 }))
        await sut.insertQuestion(question({ conversationId, askedAt: T0 + 9 }))
      })

      it('should list newest first within the conversation, limited', async () => {
        expect(ids(await sut.listMessages(userId, conversationId, { limit: 10 }))).toEqual(newestFirst)
        expect(ids(await sut.listMessages(userId, conversationId, { limit: 2 }))).toEqual(
          newestFirst.slice(0, 2),
        )
      })

      it('should page back from beforeId, excluding it, across equal times', async () => {
        const seen: string[] = []
        let beforeId: string | undefined
        // Bounded, so a cursor that fails to advance fails the test instead of hanging it.
        for (let pages = 0; pages <= rows.length; pages++) {
          const page = await sut.listMessages(userId, conversationId, { beforeId, limit: 2 })
          if (page.length === 0) break
          seen.push(...ids(page))
          beforeId = page.at(-1)!.id
        }
        expect(seen).toEqual(newestFirst)
      })

      it("should return nothing for a beforeId that is not this user's", async () => {
        const foreign = question({ conversationId, askedAt: T0 + 100 })
        await sut.insertQuestion(foreign)
        expect(await sut.listMessages(userId, conversationId, { beforeId: foreign.id, limit: 10 })).toEqual(
          [],
        )
      })
    })

    describe('ArchiveLifecycle: ping and close', () => {
      it('should answer ping while open and fail after close', async () => {
        const fresh = await open()
        await fresh.store.ping()
        await fresh.store.close()
        await expect(fresh.store.ping()).rejects.toThrow()
        await fresh.cleanup()
      })
    })
  })
}
