// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { VcApiError } from '../api/http'
import { createTranslator } from '../i18n'
import { errorText, noticeFor, toChatError } from './errors'

const zh = createTranslator('zh-CN')
const en = createTranslator('en')

// SPEC §2.7, what the user is told: [code, retryAfter, zh-CN, en].
const TABLE: [string, number | undefined, string, string][] = [
  ['UPSTREAM_BUSY', 12, '助手太忙了，请 12 秒后再试。', 'The assistant is busy. Try again in 12 s.'],
  ['UPSTREAM_BUSY', undefined, '助手太忙了，请稍后再试。', 'The assistant is busy. Try again shortly.'],
  [
    'CONTEXT_TOO_LONG',
    undefined,
    '对话太长了，请开始新话题。',
    'This conversation is too long. Please start a new topic.',
  ],
  [
    'UPSTREAM_ACCOUNT',
    undefined,
    '助手暂时不可用，请稍后再试。',
    'The assistant is temporarily unavailable. Please try again later.',
  ],
  [
    'UPSTREAM_MISCONFIGURED',
    undefined,
    '助手暂时不可用，请稍后再试。',
    'The assistant is temporarily unavailable. Please try again later.',
  ],
  ['UPSTREAM_FORBIDDEN', undefined, '该功能暂不可用。', 'This feature is not available.'],
  ['UPSTREAM_ERROR', undefined, '出错了，请重试。', 'Something went wrong. Please try again.'],
  ['RATE_LIMITED', 30, '请求过于频繁，请 30 秒后再试。', 'Too many requests. Try again in 30 s.'],
  [
    'UPSTREAM_UNAVAILABLE',
    undefined,
    '服务繁忙，请稍后再试。',
    'The service is busy. Please try again later.',
  ],
  [
    'TOKEN_INVALID',
    undefined,
    '登录状态已失效，请刷新页面后重试。',
    'Your session has expired. Reload the page and try again.',
  ],
  [
    'UPSTREAM_TIMEOUT',
    undefined,
    '助手没有及时回答，请重试。',
    'The assistant did not answer in time. Please try again.',
  ],
  ['UPSTREAM_INTERRUPTED', undefined, '回答被中断。', 'The answer was interrupted.'],
  [
    'NETWORK_ERROR',
    undefined,
    '网络已断开，恢复后可继续。',
    'You are offline. The chat continues when the connection is back.',
  ],
  ['SOMETHING_NEW', undefined, '出错了，请重试。', 'Something went wrong. Please try again.'],
  ['toString', undefined, '出错了，请重试。', 'Something went wrong. Please try again.'],
]

describe('errorText', () => {
  it.each(TABLE)(
    'should say %s (retryAfter %s) in the user’s language',
    (code, retryAfter, zhText, enText) => {
      expect(errorText(zh, { code, retryAfter })).toBe(zhText)
      expect(errorText(en, { code, retryAfter })).toBe(enText)
    },
  )

  it('should never use the service’s message', () => {
    const e = { code: 'UPSTREAM_ACCOUNT', message: 'Coze 4011: insufficient balance (logid 20261206abc)' }
    expect(errorText(zh, e)).not.toMatch(/Coze|4011|logid/)
    expect(errorText(zh, { ...e, code: 'WHATEVER' })).toBe('出错了，请重试。')
  })
})

describe('toChatError and noticeFor', () => {
  it('should keep Retry-After and show a timed notice for UPSTREAM_BUSY', () => {
    const err = new VcApiError({ status: 429, code: 'UPSTREAM_BUSY', message: 'busy', retryAfter: 9 })
    const e = toChatError(err)
    expect(e).toEqual({ code: 'UPSTREAM_BUSY', message: 'busy', status: 429, retryAfter: 9 })
    expect(noticeFor(err, e, 1_000)).toEqual({
      kind: 'error',
      code: 'UPSTREAM_BUSY',
      retryAfter: 9,
      until: 10_000,
    })
  })

  it('should leave a 413 to the message itself', () => {
    const err = new VcApiError({ status: 413, code: 'CONTEXT_TOO_LONG', message: 'long' })
    expect(noticeFor(err, toChatError(err))).toBeUndefined()
  })
})
