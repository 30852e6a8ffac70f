import { describe, expect, it } from 'vitest'
import { createSseReader, type SseMessage } from './sse'

/** Feeds `bytes` in chunks of `size` and returns every message delivered. */
function read(bytes: Buffer, size: number) {
  const out: SseMessage[] = []
  const reader = createSseReader((m) => out.push(m))
  for (let i = 0; i < bytes.length; i += size) reader.feed(bytes.subarray(i, i + size))
  reader.end()
  return out
}

describe('createSseReader', () => {
  const body = Buffer.from(
    'event:conversation.message.delta\ndata:{"content":"星期三🙂"}\n\nevent:done\r\ndata:"[DONE]"\r\n\r\n',
    'utf8',
  )
  it.each([1, 2, 3, 7, 1000])('should keep characters and lines whole with %i-byte chunks', (size) => {
    expect(read(body, size)).toEqual([
      { event: 'conversation.message.delta', data: '{"content":"星期三🙂"}' },
      { event: 'done', data: '"[DONE]"' },
    ])
  })
  it('should yield a final event that lacks its blank line', () => {
    expect(read(Buffer.from('event:done\ndata:"[DONE]"'), 4)).toEqual([{ event: 'done', data: '"[DONE]"' }])
  })
})
