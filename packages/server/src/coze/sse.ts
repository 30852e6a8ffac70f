import { createParser } from 'eventsource-parser'

export interface SseMessage {
  event: string
  data: string
}

/**
 * Reads an SSE body chunk by chunk. One streaming TextDecoder keeps multi-byte characters whole when
 * Coze's writes cut them; eventsource-parser handles lines split across chunks and CRLF.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder('utf-8')
  const queue: SseMessage[] = []
  const parser = createParser({
    onEvent: (e) => queue.push({ event: e.event ?? 'message', data: e.data }),
  })
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }))
    while (queue.length) yield queue.shift()!
  }
  parser.feed(decoder.decode() + '\n\n') // a final event without its blank line still counts
  while (queue.length) yield queue.shift()!
}
