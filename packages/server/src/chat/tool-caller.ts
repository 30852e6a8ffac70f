/**
 * Website A's tools (SPEC §2.8): a Coze `function` tool call is POSTed to `TOOLS_URL`, signed with v1
 * (SPEC §2.1) by `TOOLS_KEY_ID`/`TOOLS_SECRET`, and website A answers `{"output": string}`. Whatever
 * happens the caller resolves with an output for Coze's `submit_tool_outputs`, so the chat never hangs.
 * It signs with the service's own `canonical()`: `@volcano-chat/client` is website A's package (a dev
 * dependency here, absent from the production image), so the service never imports it at run time.
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { Agent, request, type Dispatcher } from 'undici'
import { canonical } from '../core/http/s2s-signature'

/** Given to Coze when no tool endpoint is configured. */
export const TOOL_UNAVAILABLE_OUTPUT = '{"error":"tool unavailable"}'
/** Given to Coze when website A's endpoint timed out, refused or answered junk. */
export const TOOL_FAILED_OUTPUT = '{"error":"tool failed"}'
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024
/** A larger answer is not read at all (the output is cut to `maxOutputBytes` anyway). */
const MAX_RESPONSE_BYTES = 1024 * 1024

export interface ToolCallInput {
  toolCallId: string
  name: string
  /** Coze's arguments, the JSON text as Coze gave it. */
  arguments: string
  sessionId: string
  externalUserId?: string | null
  conversationId: string
  messageId: string
}

export type ToolFailure =
  'not_configured' | 'timeout' | 'network' | `http_${number}` | 'bad_json' | 'bad_output' | 'too_large'

export interface ToolResult {
  /** What goes to Coze as this call's output. */
  output: string
  ok: boolean
  /** Why it failed; `truncated` when ok but cut to `maxOutputBytes`. */
  reason?: ToolFailure | 'truncated'
}

/** One finished call, for the audit log and metrics. Carries no arguments and no output. */
export interface ToolCallRecord {
  name: string
  toolCallId: string
  sessionId: string
  messageId: string
  ok: boolean
  ms: number
  reason?: ToolResult['reason']
}

export interface ToolCallerOptions {
  /** `TOOLS_URL`; unset = every call answers `TOOL_UNAVAILABLE_OUTPUT`. */
  url?: string
  keyId?: string
  secret?: string
  /** Whole call, connect to last byte. Default 10 s. */
  timeoutMs?: number
  log: Logger
  /** Called once per call, after it settled (never throws into the caller). */
  onCall?: (record: ToolCallRecord) => void
  maxOutputBytes?: number
  dispatcher?: Dispatcher
  now?: () => number
}

export interface ToolCaller {
  /** Never rejects. */
  call(input: ToolCallInput): Promise<ToolResult>
  close(): Promise<void>
}

/**
 * @example
 * const tools = createToolCaller({ ...config.tools, log, onCall: (r) => audit.record(…) })
 * const { output } = await tools.call({ toolCallId, name, arguments, sessionId, conversationId, messageId })
 */
export function createToolCaller(o: ToolCallerOptions): ToolCaller {
  const now = o.now ?? Date.now
  const log = o.log.child({ component: 'tools' })
  const settle = (input: ToolCallInput, started: number, result: ToolResult): ToolResult => {
    const record: ToolCallRecord = {
      name: input.name,
      toolCallId: input.toolCallId,
      sessionId: input.sessionId,
      messageId: input.messageId,
      ok: result.ok,
      ms: now() - started,
      ...(result.reason ? { reason: result.reason } : {}),
    }
    const line = { tool: input.name, toolCallId: input.toolCallId, ok: result.ok, ms: record.ms }
    if (result.ok) log.info({ ...line, reason: result.reason }, 'tool call answered')
    else log.warn({ ...line, reason: result.reason }, 'tool call failed')
    try {
      o.onCall?.(record)
    } catch (err) {
      log.error({ err }, 'tool call hook failed')
    }
    return result
  }

  if (!o.url) {
    return {
      call: async (input) =>
        settle(input, now(), { ok: false, output: TOOL_UNAVAILABLE_OUTPUT, reason: 'not_configured' }),
      close: async () => undefined,
    }
  }
  if (!o.keyId || !o.secret) throw new Error('createToolCaller: a url needs keyId and secret')
  const { keyId, secret } = { keyId: o.keyId, secret: o.secret }
  const target = new URL(o.url)
  const path = target.pathname + target.search
  const timeoutMs = o.timeoutMs ?? 10_000
  const maxOutputBytes = o.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES
  const ownDispatcher = o.dispatcher ? undefined : new Agent({ keepAliveTimeout: 30_000 })
  const dispatcher = o.dispatcher ?? ownDispatcher!

  async function attempt(input: ToolCallInput): Promise<ToolResult> {
    const body = Buffer.from(
      JSON.stringify({
        toolCallId: input.toolCallId,
        name: input.name,
        arguments: input.arguments,
        sessionId: input.sessionId,
        ...(input.externalUserId ? { externalUserId: input.externalUserId } : {}),
        conversationId: input.conversationId,
        messageId: input.messageId,
      }),
    )
    const timestamp = String(Math.floor(now() / 1000))
    const nonce = randomBytes(24).toString('base64url')
    const sig = createHmac('sha256', secret)
      .update(canonical('POST', path, timestamp, nonce, body))
      .digest('hex')
    const signal = AbortSignal.timeout(timeoutMs)
    const failed = (reason: ToolFailure): ToolResult => ({ ok: false, output: TOOL_FAILED_OUTPUT, reason })
    try {
      const res = await request(target, {
        method: 'POST',
        dispatcher,
        signal,
        headers: {
          'content-type': 'application/json',
          'x-vc-key-id': keyId,
          'x-vc-timestamp': timestamp,
          'x-vc-nonce': nonce,
          'x-vc-signature': `v1=${sig}`,
        },
        body,
      })
      if (res.statusCode < 200 || res.statusCode > 299) {
        await res.body.dump().catch(() => undefined) // the status is the failure reported
        return failed(`http_${res.statusCode}`)
      }
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > MAX_RESPONSE_BYTES) {
          res.body.destroy()
          return failed('too_large')
        }
        chunks.push(chunk)
      }
      let answer: unknown
      try {
        answer = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        return failed('bad_json')
      }
      const output = (answer as { output?: unknown } | null)?.output
      if (typeof output !== 'string') return failed('bad_output')
      const cut = truncateUtf8(output, maxOutputBytes)
      return cut === output ? { ok: true, output } : { ok: true, output: cut, reason: 'truncated' }
    } catch (err) {
      if (signal.aborted) return failed('timeout')
      log.debug({ err: (err as Error).message }, 'tool endpoint unreachable')
      return failed('network')
    }
  }

  return {
    async call(input) {
      const started = now()
      let result: ToolResult
      try {
        result = await attempt(input)
      } catch {
        result = { ok: false, output: TOOL_FAILED_OUTPUT, reason: 'network' } // never throws
      }
      return settle(input, started, result)
    },
    close: async () => {
      await ownDispatcher?.close()
    },
  }
}

/** At most `max` UTF-8 bytes, cut at a character boundary. */
export function truncateUtf8(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s
  const bytes = Buffer.from(s, 'utf8')
  let end = max
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end-- // a continuation byte: back to its lead byte
  return bytes.subarray(0, end).toString('utf8')
}
