import { describe, expect, it } from 'vitest'
import { readSse } from './sse'

async function* chunks(bytes: Buffer, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}
const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('readSse', () => {
  const body = Buffer.from(
    'event:conversation.message.delta\ndata:{"content":"星期三🙂"}\n\nevent:done\r\ndata:"[DONE]"\r\n\r\n',
    'utf8',
  )
  it.each([1, 2, 3, 7, 1000])('should keep characters and lines whole with %i-byte chunks', async (size) => {
    expect(await collect(readSse(chunks(body, size)))).toEqual([
      { event: 'conversation.message.delta', data: '{"content":"星期三🙂"}' },
      { event: 'done', data: '"[DONE]"' },
    ])
  })
  it('should yield a final event that lacks its blank line', async () => {
    expect(await collect(readSse(chunks(Buffer.from('event:done\ndata:"[DONE]"'), 4)))).toEqual([
      { event: 'done', data: '"[DONE]"' },
    ])
  })
})
