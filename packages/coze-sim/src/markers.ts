/**
 * Per-request scripting: `[[sim:…]]` markers inside the user's question, e.g. `你好 [[sim:drop-after=5,tps=0]]`.
 * Several blocks may appear; inside one block markers are separated by commas or spaces. Markers are
 * removed from the question before the answer is built, so they are never echoed.
 */

export type HttpFault = 401 | 429 | 500 | 502 | 503

export interface Markers {
  ttft?: number
  tps?: number
  tokens?: number
  dropAfter?: number
  stallAfter?: number
  /** `error-event[=n]`: an `error` event after n deltas (undefined n = half the deltas). */
  errorEvent?: { afterDeltas?: number }
  /** `fail[=n]`: `conversation.chat.failed` after n deltas (undefined n = half the deltas). */
  fail?: { afterDeltas?: number }
  http?: HttpFault
  /** `code=n`: `/v3/chat` answers HTTP 200 `{code: n, msg}` at once; no chat is created. */
  code?: number
  /** `fail-code=n`: the `last_error.code` of `fail` (implies `fail` at half without a `fail` marker). */
  failCode?: number
  /** `drop-fail-after=n`: the socket is destroyed after n answer deltas and the chat fails at Coze. */
  dropFailAfter?: number
  /** `answers=n`: the answer arrives as n `answer` messages. */
  answers?: number
  /** `tool=<name>`: a `function` tool call (requires_action) before any answer. */
  tool?: string
  /** A `card` answer message before the text. */
  card: boolean
  /** The text answer arrives as one `object_string` message (text and image parts). */
  objectString: boolean
  /** A chatflow question node: the question, then requires_action (`reply_message`). */
  ask: boolean
  hang: boolean
  malformed: boolean
  split: boolean
  reasoning: boolean
  xss: boolean
}

export class MarkerError extends Error {}

const BLOCK = /\s*\[\[sim:([^\]]*)\]\]/g
const HTTP_FAULTS: readonly number[] = [401, 429, 500, 502, 503]
const TOOL_NAME = /^[A-Za-z0-9_]{1,64}$/

export function parseMarkers(text: string): { question: string; markers: Markers } {
  const markers: Markers = {
    card: false,
    objectString: false,
    ask: false,
    hang: false,
    malformed: false,
    split: false,
    reasoning: false,
    xss: false,
  }
  for (const block of text.matchAll(BLOCK)) {
    for (const item of (block[1] ?? '').split(/[\s,]+/).filter(Boolean)) apply(markers, item)
  }
  if (markers.ask && markers.tool) throw new MarkerError('ask and tool= cannot be combined')
  return { question: text.replace(BLOCK, '').trim(), markers }
}

function apply(m: Markers, item: string): void {
  const [name = '', value] = item.split('=', 2)
  const num = () => count(name, value)
  switch (name) {
    case 'ttft':
      return void (m.ttft = num())
    case 'tps':
      return void (m.tps = num())
    case 'tokens':
      return void (m.tokens = num())
    case 'drop-after':
      return void (m.dropAfter = num())
    case 'stall-after':
      return void (m.stallAfter = num())
    case 'error-event':
      return void (m.errorEvent = { afterDeltas: value === undefined ? undefined : num() })
    case 'fail':
      return void (m.fail = { afterDeltas: value === undefined ? undefined : num() })
    case 'http': {
      const status = num()
      if (!HTTP_FAULTS.includes(status))
        throw new MarkerError(`http=${value}: use one of ${HTTP_FAULTS.join('|')}`)
      return void (m.http = status as HttpFault)
    }
    case 'code':
      return void (m.code = positive(name, value))
    case 'fail-code':
      return void (m.failCode = positive(name, value))
    case 'drop-fail-after':
      return void (m.dropFailAfter = num())
    case 'answers':
      return void (m.answers = positive(name, value))
    case 'tool':
      if (value === undefined || !TOOL_NAME.test(value))
        throw new MarkerError(`tool needs a function name ([A-Za-z0-9_]), got "${value}"`)
      return void (m.tool = value)
    case 'object-string':
      if (value !== undefined) throw new MarkerError(`${name} takes no value`)
      return void (m.objectString = true)
    case 'card':
    case 'ask':
    case 'hang':
    case 'malformed':
    case 'split':
    case 'reasoning':
    case 'xss':
      if (value !== undefined) throw new MarkerError(`${name} takes no value`)
      return void (m[name] = true)
    default:
      throw new MarkerError(`unknown marker "${name}"`)
  }
}

function positive(name: string, value: string | undefined): number {
  const n = count(name, value)
  if (n < 1) throw new MarkerError(`${name} needs a number ≥ 1`)
  return n
}

function count(name: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value))
    throw new MarkerError(`${name} needs a whole number, got "${value}"`)
  return Number(value)
}
