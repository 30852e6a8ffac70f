/** A test-side SSE reader for the widget endpoints: parses `id`/`event`/`data` exactly as a browser would. */
export interface ReceivedEvent {
  id: string
  event: string
  data: unknown
}

export interface StreamResult {
  status: number
  headers: Headers
  events: ReceivedEvent[]
  /** Body text for non-stream answers (the error envelope). */
  body?: unknown
  comments: string[]
}

export async function readStream(
  res: Response,
  opts: { stopAfter?: number; onEvent?: (e: ReceivedEvent, all: ReceivedEvent[]) => void } = {},
): Promise<StreamResult> {
  const result: StreamResult = { status: res.status, headers: res.headers, events: [], comments: [] }
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    result.body = await res.json()
    return result
  }
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let buf = ''
  let cur: Partial<ReceivedEvent> & { data?: string } = {}
  const flushLine = (line: string) => {
    if (line === '') {
      if (cur.event || cur.data !== undefined) {
        const e = { id: cur.id ?? '', event: cur.event ?? 'message', data: JSON.parse(cur.data ?? 'null') }
        result.events.push(e)
        opts.onEvent?.(e, result.events)
      }
      cur = {}
      return
    }
    if (line.startsWith(':')) return void result.comments.push(line.slice(1).trim())
    const at = line.indexOf(':')
    const field = at < 0 ? line : line.slice(0, at)
    const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '')
    if (field === 'id') cur.id = value
    else if (field === 'event') cur.event = value
    else if (field === 'data') cur.data = cur.data === undefined ? value : `${cur.data}\n${value}`
  }
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buf += decoder.decode(value, { stream: true })
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      flushLine(buf.slice(0, nl).replace(/\r$/, ''))
      buf = buf.slice(nl + 1)
    }
    if (opts.stopAfter !== undefined && result.events.length >= opts.stopAfter) {
      await reader.cancel()
      break
    }
  }
  return result
}

/** The answer text a widget would show: all `delta`s joined. */
export const answerOf = (events: ReceivedEvent[]) =>
  events
    .filter((e) => e.event === 'delta')
    .map((e) => (e.data as { text: string }).text)
    .join('')

/** What a widget shows: deltas since the last `meta` (a later `meta` restarts the answer). */
export function visibleAnswerOf(events: ReceivedEvent[]) {
  let text = ''
  for (const e of events) {
    if (e.event === 'meta') text = ''
    else if (e.event === 'delta') text += (e.data as { text: string }).text
  }
  return text
}
