// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { codes } from '../../../server/src/core/errors'
import { NETWORK_ERROR, VcApiError } from '../api/http'
import { createTranslator } from '../i18n'
import { answerErrorText, errorText, noticeFor, STREAM_DROPPED, toChatError } from './errors'

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

// Every code the widget can meet: the service's whole catalogue (SPEC §2.7 and the rest) and its own.
const EVERY_CODE = [
  ...Object.keys(codes).map((k) => k.slice('VC_ERR_'.length)),
  NETWORK_ERROR,
  STREAM_DROPPED,
  'HTTP_502',
  'HTTP_503',
  'HTTP_504',
  'UNKNOWN',
]
/** Latin words a Chinese text may keep: product names only (none in the error texts today). */
const PRODUCT_NAMES: readonly string[] = []
const COZE_TEXT = 'Coze code 4011: The balance is insufficient. (logid 20261206153012ABCDEF)'

describe('every code in every locale', () => {
  it.each(EVERY_CODE)('%s: Chinese with no Latin words, English of its own, never Coze', (code) => {
    for (const retryAfter of [undefined, 7])
      for (const fromStream of [false, true]) {
        const e = { code, message: COZE_TEXT, retryAfter, fromStream }
        const zhTexts = [errorText(zh, e), answerErrorText(zh, e)]
        const enTexts = [errorText(en, e), answerErrorText(en, e)]
        for (const text of zhTexts) {
          const latin = PRODUCT_NAMES.reduce((s, name) => s.replaceAll(name, ''), text)
          expect(latin, text).not.toMatch(/[A-Za-z]{3,}/)
          expect(text).toMatch(/[\u4e00-\u9fff]/)
        }
        for (const text of enTexts) {
          expect(text, text).not.toMatch(/[\u3000-\u9fff\uff00-\uffef]/) // no CJK, no full-width punctuation
          expect(text).toMatch(/[A-Za-z]{3,}/)
        }
        for (const text of [...zhTexts, ...enTexts]) {
          expect(text).not.toMatch(/logid|coze/i)
          expect(text.replace(/ 7 /, ' ')).not.toMatch(/\d/) // the wait at most, never Coze's code
          expect(text).not.toMatch(/balance|insufficient/i) // the service's message never shows
        }
        expect(enTexts[0]).not.toBe(zhTexts[0])
      }
  })
})

describe('one place per error', () => {
  const failed = (status: number, code: string, retryAfter?: number) =>
    toChatError(new VcApiError({ status, code, message: COZE_TEXT, retryAfter }))

  it.each([
    [503, 'UPSTREAM_UNAVAILABLE', undefined],
    [503, 'UPSTREAM_ACCOUNT', undefined],
    [502, 'UPSTREAM_ERROR', undefined],
    [413, 'CONTEXT_TOO_LONG', undefined],
    [409, 'CONVERSATION_BUSY', undefined],
    [401, 'TOKEN_INVALID', undefined],
    [429, 'UPSTREAM_BUSY', undefined],
  ])('should leave a failed answer’s %s %s to the answer alone', (status, code, retryAfter) => {
    const e = failed(status, code, retryAfter)
    expect(noticeFor(null, e, 0, true)).toBeUndefined()
    expect(answerErrorText(zh, e)).toBe(errorText(zh, e))
  })

  it('should count a wait down in the notice and say only "not sent" on the answer', () => {
    const e = failed(429, 'RATE_LIMITED', 30)
    expect(noticeFor(null, e, 1_000, true)).toEqual({
      kind: 'error',
      code: 'RATE_LIMITED',
      retryAfter: 30,
      until: 31_000,
    })
    expect(answerErrorText(zh, e)).toBe('未发送。')
    expect(answerErrorText(en, e)).toBe('Not sent.')
    const busy = failed(503, 'DEPENDENCY_UNAVAILABLE', 2)
    expect(noticeFor(null, busy, 0, true)).toMatchObject({ kind: 'error', retryAfter: 2 })
    expect(errorText(zh, busy)).toBe('服务繁忙，请 2 秒后再试。')
    // Whatever the status, a named wait the answer defers to is counted down in the notice.
    expect(noticeFor(null, failed(502, 'HTTP_502', 4), 0, true)).toMatchObject({
      kind: 'error',
      until: 4_000,
    })
  })

  it('should show offline in the notice and the question as waiting', () => {
    const e = toChatError(new VcApiError({ status: 0, code: NETWORK_ERROR, message: 'Failed to fetch' }))
    expect(noticeFor(null, e, 0, true)).toEqual({ kind: 'offline' })
    expect(answerErrorText(zh, e)).toBe('等待发送…')
    expect(answerErrorText(en, e)).toBe('Waiting to send…')
  })

  it('should keep an error event on the answer, whatever wait it names', () => {
    const e = { code: 'UPSTREAM_BUSY', message: COZE_TEXT, retryAfter: 10, fromStream: true }
    expect(answerErrorText(zh, e)).toBe('助手太忙了，请 10 秒后再试。')
  })

  it('should still show a failure with no answer (history, cancel) in the notice', () => {
    expect(noticeFor(null, failed(503, 'UPSTREAM_UNAVAILABLE'))).toEqual({
      kind: 'error',
      code: 'UPSTREAM_UNAVAILABLE',
    })
    expect(noticeFor(null, failed(401, 'TOKEN_INVALID'))).toEqual({ kind: 'auth' })
  })
})
