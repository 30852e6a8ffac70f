/**
 * Public types of the simulator. Wire shapes (Chat, Message, Usage) keep Coze's snake_case field names
 * (coze-protocol.md §2.2–2.3) so tests can compare them with what they read off the wire.
 */
import type { AudioFaults, AudioOptions, SimAudioSession } from './audio-types'

export interface OAuthApp {
  appId: string
  keyId: string
  /** SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM. */
  publicKeyPem: string
}

export interface CozeSimOptions {
  /** 0 = random (default 0); the CLI defaults to 9100. */
  port?: number
  /** Default '127.0.0.1'. */
  host?: string
  /** Apps allowed to exchange a JWT for an access token. */
  oauthApps?: OAuthApp[]
  /** Accepted personal access tokens (e.g. 'pat_test'). */
  pats?: string[]
  /** Time to the first answer token, default 150 ms. */
  firstTokenDelayMs?: number
  /** Default 40; 0 = as fast as possible. */
  tokensPerSecond?: number
  /** Coze sends no SSE comments or heartbeats, so neither does the sim. */
  heartbeat?: never
  /** The audio endpoints' pacing and script (audio-types.ts). */
  audio?: AudioOptions
}

export interface SimRequest {
  seq: number
  method: string
  /** Path with query string, as received. */
  path: string
  /** Arrival time, epoch ms. */
  at: number
  authorization?: string
}

export type SimEventName = 'request' | 'chat' | 'token' | 'cancel'
export type SimListener = (r: SimRequest & { body?: unknown }) => void

export interface SimStats {
  tokenExchanges: number
  chatCalls: number
  cancelCalls: number
  conversationCreates: number
  retrieveCalls: number
  messageListCalls: number
  authFailures: number
}

export interface Usage {
  token_count: number
  output_count: number
  input_count: number
}

export type ChatStatus = 'created' | 'in_progress' | 'completed' | 'failed' | 'requires_action' | 'canceled'

export interface ScriptedAnswer {
  /** The question with its `[[sim:…]]` markers removed. */
  question: string
  /** Full answer text (Markdown); equals `chunks.join('')`. */
  text: string
  /** Reasoning text, '' when the answer has none; equals `reasoningChunks.join('')`. */
  reasoning: string
  /** The three `follow_up` suggestions, in the order they are sent. */
  followUps: string[]
  /** Content of each answer delta, in order (1–4 characters each). */
  chunks: string[]
  /** `reasoning_content` of each reasoning delta; these are sent before the answer deltas. */
  reasoningChunks: string[]
  /** Usage reported by `conversation.chat.completed`. */
  usage: Usage
}

/** A chat as the sim's own timeline sees it (independent of any HTTP connection). */
export interface SimChat {
  id: string
  conversationId: string
  botId: string
  userId: string
  /** The user's text as sent, markers included. */
  question: string
  stream: boolean
  status: ChatStatus
  /** Answer text produced so far. */
  answer: string
  /** Reasoning text produced so far. */
  reasoning: string
  /** Delta events produced so far (reasoning + answer). */
  deltas: number
  createdAt: number
  completedAt?: number
  failedAt?: number
  lastError: { code: number; msg: string }
  usage: Usage
}

export interface SimFaults extends AudioFaults {
  /** The next n calls to authenticated endpoints (not the token endpoint) → HTTP 401, code 4100. */
  rejectNextAuth(n: number): void
  /** Every OAuth access token issued so far becomes invalid (HTTP 401, code 4100). */
  expireAllTokens(): void
  /** While on, the token endpoint answers HTTP 503 with an OAuth-style error. */
  oauthDown(on: boolean): void
  /** Added before every response's first byte. */
  latencyMs(ms: number): void
}

export interface CozeSim {
  /** 'http://127.0.0.1:<port>' */
  readonly url: string
  readonly port: number
  readonly stats: Readonly<SimStats>
  /** Every request in arrival order. */
  readonly requests: ReadonlyArray<SimRequest>
  /** Fires on arrival, before any response byte ('chat' for /v3/chat, 'token', 'cancel', 'request' for all). */
  on(event: SimEventName, listener: SimListener): void
  off(event: SimEventName, listener: SimListener): void
  /** The exact scripted answer the sim streams for a question (markers honoured); deterministic. */
  answerFor(question: string): ScriptedAnswer
  /** A snapshot of a chat's state, or undefined for an unknown id. */
  chat(chatId: string): SimChat | undefined
  /** The exact audio bytes TTS (WebSocket and REST) produces for `text`; deterministic. */
  speechFor(text: string): Buffer
  /** What ASR returns for any audio. */
  readonly transcript: string
  /** Every audio call (WebSocket sessions live), in arrival order. */
  readonly audioSessions: ReadonlyArray<SimAudioSession>
  readonly faults: SimFaults
  /** Stats, requests and faults back to zero; conversations, chats and tokens are kept. */
  reset(): void
  /** Stops every timeline and destroys open streams and sockets. */
  close(): Promise<void>
}
