/**
 * Every Redis key name the service uses, in one place (given without the prefix: the `Kv` adds it).
 * Each key carries one hash tag `{…}` so that Redis Cluster puts the keys one operation touches
 * together in one slot: `{m:<messageId>}` for a message, `{u:<userId>}` for a user, `{c:…}` for a
 * conversation, `{i:…}` for an instance, `{t:…}` for a token hash. Keys that are only ever used alone
 * get a tag too, so a new multi-key use cannot silently go cross-slot. Rate-limiter keys are built by
 * rate-limiter-flexible from `rateLimitPrefix` (one key per command, no tag needed).
 */

const tag = (kind: string, id: string) => `{${kind}:${id}}`

export const keys = {
  /** A session's cached record, by SHA-256 of its token (identity/sessions.ts). */
  session: (tokenHash: string) => `session:${tag('t', tokenHash)}`,
  /** A user's live sessions: a sorted set of token hashes scored by expiry (identity/sessions.ts). */
  userSessions: (userId: string) => `user-sessions:${tag('u', userId)}`,
  /** The message answering in a conversation right now (chat/relay.ts, chat/recovery.ts). */
  conversationBusy: (conversationId: string) => `conv-busy:${tag('c', conversationId)}`,
  /** Idempotency: the message a client message id became (chat/relay.ts). */
  clientMessage: (userId: string, clientMessageId: string) =>
    `client-msg:${tag('u', userId)}:${clientMessageId}`,
  /** The tool call a message's question waits on (chat/relay.ts). */
  awaitingReply: (messageId: string) => `awaiting-reply:${tag('m', messageId)}`,
  /** The instance answering a message (chat/running.ts). */
  lease: (messageId: string) => `lease:${tag('m', messageId)}`,
  /** An instance's heartbeat (chat/running.ts). */
  instance: (instanceId: string) => `instance:${tag('i', instanceId)}`,
  /** Cancels addressed to an instance (chat/running.ts). */
  cancelInbox: (instanceId: string) => `cancel-inbox:${tag('i', instanceId)}`,
  /** The instances that started and have not stopped: a drain looks for a live peer here (chat/running.ts). */
  instances: () => `instances:${tag('g', 'instances')}`,
  /** One sweeper at a time recovers an orphaned message (chat/recovery.ts). */
  recover: (messageId: string) => `recover:${tag('m', messageId)}`,
  /** A user's open voice connections (voice/limits.ts). */
  voiceConnections: (userId: string) => `voice-conns:${tag('u', userId)}`,
  /** A user's voice seconds on one UTC day (voice/limits.ts). */
  voiceSeconds: (userId: string, day: string | number) => `voice-seconds:${tag('u', userId)}:${day}`,
  /** A one-time voice ticket, by its hash (voice/tickets.ts). */
  voiceTicket: (ticketHash: string) => `voice-ticket:${tag('t', ticketHash)}`,
  /** A spent S2S nonce (core/http/s2s-signature.ts); tagged per nonce so nonces spread over the cluster. */
  s2sNonce: (keyId: string, nonce: string) => `s2s-nonce:${tag('n', `${keyId}:${nonce}`)}`,
  /** The cached Coze OAuth access token and its refresh lock (core/coze/token-cache.ts). */
  cozeToken: () => `coze:${tag('g', 'coze-token')}:access-token`,
  cozeTokenLock: () => `coze:${tag('g', 'coze-token')}:access-token:lock`,
  /** One retention run at a time (audit/retention.ts). */
  retentionLock: () => `lock:${tag('g', 'retention')}`,
  /** A user's open stream slots: a sorted set scored by expiry (backends/redis/slots.ts). */
  streamSlots: (userId: string) => `streams:${tag('u', userId)}`,
  /** The bot's welcome (prologue, suggested questions) read from Coze (chat/welcome.ts). */
  welcome: (botId: string) => `welcome:${tag('b', botId)}`,
  /** A message's event log, a Redis Stream (backends/redis/streams.ts). */
  stream: (messageId: string) => `stream:${tag('m', messageId)}`,
} as const

/** Pub/sub channels: not keys (no slot), so no tag. Plain PUBLISH reaches every node's subscribers. */
export const channels = {
  /** Names the messages whose stream grew (backends/redis/streams.ts). */
  streamAppended: 'stream-appended',
  /** Names a user and the token hashes of sessions just revoked (identity/revocations.ts). */
  sessionsRevoked: 'sessions-revoked',
} as const

/** rate-limiter-flexible appends `:<key>` to this; each of its commands touches that one key. */
export const rateLimitPrefix = (limit: string) => `rl:${limit}`

/**
 * The hash tag Redis Cluster hashes for `key` (the text between the first `{` and the next `}`, when
 * not empty), or undefined when the whole key is hashed.
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{')
  if (open < 0) return undefined
  const close = key.indexOf('}', open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : undefined
}
