/**
 * Test builders for archive rows: unique ids on every call, overrides last. Used by the store contract;
 * services' tests may use them too.
 */
import { randomUUID } from 'node:crypto'
import type { ConversationRow, FileRow, MessageFinish, QuestionInsert, SessionRow } from './types'

/** A fixed epoch-ms base time, so rows never depend on the clock. */
export const T0 = 1_760_000_000_123
/** A fresh id such as `msg_3f2a…` (32 hex digits). */
export const uid = (kind: string) => `${kind}_${randomUUID().replaceAll('-', '')}`
// 4-byte CJK, emoji with ZWJ and skin tone, a flag, quotes and newlines: what utf8 (3-byte) would mangle.
export const TRICKY = '火山引擎 𠮷野家 👩🏽‍💻🇨🇳 "引号" \'q\'\n\t第二行 🌋'

export const session = (over: Partial<SessionRow> = {}): SessionRow => ({
  id: uid('ses'),
  userId: uid('usr'),
  phoneMasked: '138****8000',
  externalUserId: 'ext-1',
  displayName: '张三',
  keyId: 'k1',
  clientIp: '2001:db8::1',
  createdAt: T0,
  expiresAt: T0 + 3_600_000,
  revokedAt: null,
  tokenHash: randomUUID().replaceAll('-', '').repeat(2),
  cozeUserId: uid('usr'),
  variables: null,
  ...over,
})

export const conversation = (over: Partial<ConversationRow> = {}): ConversationRow => ({
  id: uid('cnv'),
  userId: uid('usr'),
  title: null,
  createdAt: T0,
  updatedAt: T0,
  ...over,
})

export const question = (over: Partial<QuestionInsert> = {}): QuestionInsert => ({
  id: uid('msg'),
  userId: uid('usr'),
  conversationId: uid('cnv'),
  sessionId: uid('ses'),
  clientMessageId: null,
  question: '你好',
  clientIp: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (test)',
  askedAt: T0,
  parentMessageId: null,
  attachments: null,
  ...over,
})

/** An image upload; every byte value, so a driver mangling binary shows. */
export const fileRow = (over: Partial<FileRow> = {}): FileRow => ({
  fileId: uid('fil'),
  userId: uid('usr'),
  cozeFileId: '7491234567890123456',
  name: `${TRICKY.slice(0, 8)}.png`,
  mime: 'image/png',
  kind: 'image',
  bytes: 256,
  createdAt: T0,
  content: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  ...over,
})

export const finish = (over: Partial<MessageFinish> = {}): MessageFinish => ({
  status: 'completed',
  answer: '您好！',
  reasoning: null,
  errorCode: null,
  errorMessage: null,
  inputTokens: 12,
  outputTokens: 34,
  firstTokenAt: T0 + 800,
  finishedAt: T0 + 5_000,
  cozeCode: null,
  cozeLogid: null,
  parts: null,
  suggestions: null,
  ...over,
})
