// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { createTranslator } from './i18n'

describe('createTranslator', () => {
  it('should default to Chinese strings and fill placeholders', () => {
    expect(createTranslator('zh-CN')('rateLimited', { s: 30 })).toBe('请求过于频繁，请 30 秒后再试。')
    expect(createTranslator('en')('rateLimited', { s: 30 })).toBe('Too many requests. Try again in 30 s.')
  })
})
