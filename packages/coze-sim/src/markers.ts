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
  hang: boolean
  malformed: boolean
  split: boolean
  reasoning: boolean
  xss: boolean
}

export class MarkerError extends Error {}

const BLOCK = /\s*\[\[sim:([^\]]*)\]\]/g
const HTTP_FAULTS: readonly number[] = [401, 429, 500, 502, 503]

export function parseMarkers(text: string): { question: string; markers: Markers } {
  const markers: Markers = { hang: false, malformed: false, split: false, reasoning: false, xss: false }
  for (const block of text.matchAll(BLOCK)) {
    for (const item of (block[1] ?? '').split(/[\s,]+/).filter(Boolean)) apply(markers, item)
  }
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

function count(name: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value))
    throw new MarkerError(`${name} needs a whole number, got "${value}"`)
  return Number(value)
}
