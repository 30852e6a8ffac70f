// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { parseWelcomeQuestions, toWelcome, welcomeFor } from './welcome'

describe('parseWelcomeQuestions', () => {
  it('should read a JSON array of strings, trimmed, blanks dropped', () => {
    expect(parseWelcomeQuestions('["你能做什么？", " a|b, c ", "", 3]')).toEqual(['你能做什么？', 'a|b, c'])
  })

  it('should take [] as "no questions" and anything else as not set', () => {
    expect(parseWelcomeQuestions('[]')).toEqual([])
    expect(parseWelcomeQuestions('a|b')).toBeUndefined()
    expect(parseWelcomeQuestions('{"a":1}')).toBeUndefined()
    expect(parseWelcomeQuestions('')).toBeUndefined()
    expect(parseWelcomeQuestions(undefined)).toBeUndefined()
  })

  it('should keep at most 10 questions', () => {
    const many = JSON.stringify(Array.from({ length: 12 }, (_, i) => `q${i}`))
    expect(parseWelcomeQuestions(many)).toHaveLength(10)
  })
})

describe('welcomeFor', () => {
  const service = { prologue: '你好，**欢迎**', questions: ['a', 'b'] }

  it("should show the service's welcome when the host set nothing", () => {
    expect(welcomeFor(service, {})).toEqual(service)
  })

  it("should let the host's text and questions win, each on its own", () => {
    expect(welcomeFor(service, { text: 'Hi' })).toEqual({ prologue: 'Hi', questions: ['a', 'b'] })
    expect(welcomeFor(service, { questions: [] })).toEqual({ prologue: '你好，**欢迎**', questions: [] })
  })

  it('should be empty before the service answered and with nothing set', () => {
    expect(welcomeFor(null, {})).toEqual({ prologue: '', questions: [] })
  })
})

describe('toWelcome', () => {
  it('should keep only what has the right shape', () => {
    expect(toWelcome({ prologue: 'p', questions: ['a', 1, ' '] })).toEqual({
      prologue: 'p',
      questions: ['a'],
    })
    expect(toWelcome('<html>')).toEqual({ prologue: '', questions: [] })
    expect(toWelcome(null)).toEqual({ prologue: '', questions: [] })
  })
})
