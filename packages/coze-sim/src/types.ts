/**
 * Public types of the simulator. Wire shapes (Chat, Message, Usage) keep Coze's snake_case field names
 * (coze-protocol.md §2.2–2.3) so tests can compare them with what they read off the wire.
 */
import type { AudioFaults, AudioOptions, SimAudioSession } from './audio-types'
import type { SimFeedback } from './feedback-routes'
import type { SimFile } from './file-routes'

/**
 * The APIs a Coze app is granted one by one (coze-protocol.md §9 row 1). Each authenticated route names
 * its API (`Route.api`); the audio WebSockets count as the same API as their REST twin.
 */
export const SIM_APIS = [
  'chat',
  'submitToolOutputs',
  'retrieveChat',
  'listChatMessages',
  'cancelChat',
  'createConversation',
  'listConversationMessages',
  'clearConversation',
  'createSpeech',
  'createTranscription',
  'uploadFile',
  'retrieveBot',
  'messageFeedback',
] as const
export type SimApi = (typeof SIM_APIS)[number]

export interface OAuthApp {
  appId: string
  keyId: string
  /** SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM. */
  publicKeyPem: string
  /** The APIs granted to the app; undefined = all. Any other API answers code 4101. */
  apis?: SimApi[]
  /**
   * A channel app (coze-protocol.md §9 row 7): a `scope` in the token request limits the token to
   * chatting with the listed bots. A normal app's `scope` is ignored.
   */
  channel?: boolean
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
  /** The APIs the PATs are granted; undefined = all. */
  patApis?: SimApi[]
  /** The `aud` every JWT must carry (default 'api.coze.cn'; coze-protocol.md §9 row 6). */
  oauthAudience?: string
  /** Time to the first answer token, default 150 ms. */
  firstTokenDelayMs?: number
  /** Default 40; 0 = as fast as possible. */
  tokensPerSecond?: number
  /** Coze sends no SSE comments or heartbeats, so neither does the sim. */
  heartbeat?: never
  /** The audio endpoints' pacing and script (audio-types.ts). */
  audio?: AudioOptions
  /** The published bot `GET /v1/bots/:bot_id` describes (default: the demo's Chinese bot, bot-routes.ts). */
  bot?: SimBotOptions
}

export interface SimBotOptions {
  /** The one bot id the sim knows; default: any numeric id (as `/v3/chat` takes any bot). */
  id?: string
  name?: string
  description?: string
  iconUrl?: string
  /** `onboarding_info.prologue`: the bot's welcome. */
  prologue?: string
  /** `onboarding_info.suggested_questions`. */
  suggestedQuestions?: string[]
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

export type SimEventName = 'request' | 'chat' | 'token' | 'cancel' | 'submit'
export type SimListener = (r: SimRequest & { body?: unknown }) => void

export interface SimStats {
  tokenExchanges: number
  chatCalls: number
  cancelCalls: number
  conversationCreates: number
  retrieveCalls: number
  messageListCalls: number
  /** `POST /v3/chat/submit_tool_outputs` arrivals. */
  submitToolOutputsCalls: number
  authFailures: number
  /** Calls refused with 4101 (an API not granted). */
  permissionDenials: number
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
  /**
   * Full answer text (Markdown): the texts of the text and object_string messages joined with `\n\n`
   * (a card adds none). For one text message it equals `chunks.join('')`.
   */
  text: string
  /** Reasoning text, '' when the answer has none; equals `reasoningChunks.join('')`. */
  reasoning: string
  /** The three `follow_up` suggestions, in the order they are sent (none before a requires_action). */
  followUps: string[]
  /** Content of each answer delta, in order, across all messages (1–4 characters each). */
  chunks: string[]
  /** `reasoning_content` of each reasoning delta; these are sent before the answer deltas. */
  reasoningChunks: string[]
  /** The `answer` messages, in the order they are sent (markers `answers=`, `card`, `object-string`, `ask`). */
  messages: ScriptedMessage[]
  /** `ask` / `tool=`: the chat then stops in `requires_action` with this tool call. */
  action?: ScriptedAction
  /** Usage reported by `conversation.chat.completed` (or `requires_action`). */
  usage: Usage
}

export interface ScriptedMessage {
  contentType: 'text' | 'card' | 'object_string'
  /** The whole content, as `conversation.message.completed` carries it. */
  content: string
  /** The delta contents; empty for `card` and `object_string`, which arrive whole. */
  chunks: string[]
  /** What the message adds to `ScriptedAnswer.text` ('' for a card). */
  text: string
}

/** A tool call of `required_action.submit_tool_outputs` (its id is given when the chat runs). */
export interface ScriptedAction {
  type: 'reply_message' | 'function'
  name: string
  /** A JSON string. */
  arguments: string
}

export interface SimConversation {
  id: string
  /** `bot_id` of `/v1/conversation/create`, or of the `/v3/chat` that created it. */
  botId?: string
  /** `name` of `/v1/conversation/create` (≤ 100 characters). */
  name?: string
  metaData: Record<string, string>
  createdAt: number
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
  /** The answer messages so far (all kinds), with their ids. */
  messages: { id: string; contentType: string; content: string }[]
  /** Set while the chat waits in `requires_action`. */
  requiredAction?: { toolCalls: { id: string; type: string; name: string; arguments: string }[] }
  /** Every `submit_tool_outputs` call accepted for this chat, in order. */
  toolOutputs: { tool_call_id: string; output: string }[]
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
  /** While on, every call to `api` answers code 4101 (no permission), whatever the token. */
  denyApi(api: SimApi, on: boolean): void
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
  /**
   * The exact scripted answer the sim streams for a question (markers honoured); deterministic. With
   * `toolOutput`: the answer after `submit_tool_outputs` gave it (markers `ask`, `tool=`).
   */
  answerFor(question: string, toolOutput?: string): ScriptedAnswer
  /** A snapshot of a chat's state, or undefined for an unknown id. */
  chat(chatId: string): SimChat | undefined
  /** A conversation as created (`/v1/conversation/create` or implicitly by `/v3/chat`), or undefined. */
  conversation(conversationId: string): SimConversation | undefined
  /**
   * The exact audio bytes TTS (WebSocket and REST) produces for `text`; deterministic, the same for every
   * voice (which voice spoke each request is in `audioSessions[].rounds`).
   */
  speechFor(text: string): Buffer
  /** What ASR returns for any audio. */
  readonly transcript: string
  /** Every audio call (WebSocket sessions live), in arrival order. */
  readonly audioSessions: ReadonlyArray<SimAudioSession>
  /** The rating an answer message holds now (message feedback POST; DELETE removes it), or undefined. */
  feedback(messageId: string): SimFeedback | undefined
  /** An uploaded file (`POST /v1/files/upload`) with its bytes, or undefined. */
  file(fileId: string): SimFile | undefined
  readonly faults: SimFaults
  /** Stats, requests and faults back to zero; conversations, chats and tokens are kept. */
  reset(): void
  /** Stops every timeline and destroys open streams and sockets. */
  close(): Promise<void>
}
