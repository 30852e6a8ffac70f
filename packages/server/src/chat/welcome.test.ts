import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { CozeBotInfo } from '../core/coze/client'
import { createMemoryKv } from '../backends/memory/kv'
import { createWelcome, welcomeOf } from './welcome'

const log = pino({ level: 'silent' })
const bot = (prologue: unknown, questions: unknown) =>
  ({ bot_id: '1', onboarding_info: { prologue, suggested_questions: questions } }) as CozeBotInfo

describe('welcomeOf', () => {
  it('should keep strings only and bound their number and length', () => {
    const many = Array.from({ length: 12 }, (_, i) => `问题${i}`)
    const w = welcomeOf(bot('你好'.repeat(3000), [' 能做什么？ ', '', 3, 'x'.repeat(300), ...many]))
    expect([...w.prologue]).toHaveLength(4000)
    expect(w.questions).toHaveLength(10)
    expect(w.questions[0]).toBe('能做什么？')
    expect(w.questions[1]).toHaveLength(200)
  })

  it('should give an empty welcome when the bot has none', () => {
    expect(welcomeOf({ bot_id: '1' })).toEqual({ prologue: '', questions: [] })
  })
})

describe('createWelcome', () => {
  it('should ask Coze once for a burst, then answer the fresh copy until it goes stale', async () => {
    let calls = 0
    let at = 1_000
    const coze = { retrieveBot: async () => (calls++, bot('你好', ['a'])) }
    const sut = createWelcome({ coze, kv: createMemoryKv(), botId: '1', log, now: () => at, freshMs: 100 })
    await Promise.all([sut.get(), sut.get(), sut.get()])
    expect(calls).toBe(1)
    at += 99
    expect(await sut.get()).toEqual({ prologue: '你好', questions: ['a'] })
    expect(calls).toBe(1)
    at += 1
    await sut.get()
    expect(calls).toBe(2)
  })

  it('should answer the stale copy while Coze fails, and not ask again during the back-off', async () => {
    let fail = false
    let calls = 0
    let at = 0
    const coze = {
      retrieveBot: async () => {
        calls++
        if (fail) throw new Error('down')
        return bot('你好', [])
      },
    }
    const sut = createWelcome({
      coze,
      kv: createMemoryKv(),
      botId: '1',
      log,
      now: () => at,
      freshMs: 10,
      backoffMs: 50,
    })
    await sut.get()
    fail = true
    at = 20
    expect(await sut.get()).toEqual({ prologue: '你好', questions: [] })
    at = 60
    expect(await sut.get()).toEqual({ prologue: '你好', questions: [] })
    expect(calls).toBe(2)
    at = 71
    await sut.get()
    expect(calls).toBe(3)
  })
})
