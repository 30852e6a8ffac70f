import { createParser } from 'eventsource-parser'

export interface SseMessage {
  event: string
  data: string
}

export interface SseReader {
  /** One chunk of the body, as it arrived; complete messages are delivered before this returns. */
  feed(chunk: Uint8Array): void
  /** The body ended: a final message without its blank line still counts. */
  end(): void
}

/**
 * Reads an SSE body chunk by chunk, pushing each message to `onMessage` synchronously (no generator or
 * promise per event on the token path). One streaming TextDecoder keeps multi-byte characters whole
 * when Coze's writes cut them; eventsource-parser handles lines split across chunks and CRLF.
 */
export function createSseReader(onMessage: (m: SseMessage) => void): SseReader {
  const decoder = new TextDecoder('utf-8')
  const parser = createParser({ onEvent: (e) => onMessage({ event: e.event ?? 'message', data: e.data }) })
  return {
    feed: (chunk) => parser.feed(decoder.decode(chunk, { stream: true })),
    end: () => parser.feed(decoder.decode() + '\n\n'),
  }
}
