// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import {
  createSseParser,
  followStream,
  parseEventId,
  readSse,
  StreamDroppedError,
  type SseEvent,
} from './stream'

const enc = new TextEncoder()

function body(
  chunks: (string | Uint8Array)[],
  opts: { failAfter?: boolean } = {},
): ReadableStream<Uint8Array> {
  const queue = [...chunks]
  // Pull, not start: erroring in start() would drop the chunks queued before the error.
  return new ReadableStream({
    pull(c) {
      const x = queue.shift()
      if (x !== undefined) c.enqueue(typeof x === 'string' ? enc.encode(x) : x)
      else if (opts.failAfter) c.error(new TypeError('network reset'))
      else c.close()
    },
  })
}

async function collect(it: AsyncIterable<SseEvent>): Promise<SseEvent[]> {
  const out: SseEvent[] = []
  for await (const e of it) out.push(e)
  return out
}

function parseAll(text: string): SseEvent[] {
  const out: SseEvent[] = []
  const p = createSseParser((e) => out.push(e))
  p.feed(text)
  p.end()
  return out
}

const SAMPLE =
  ': ping\n\n' +
  'id: m1:0\nevent: meta\ndata: {"messageId":"m1","conversationId":"c1"}\n\n' +
  'id: m1:1\nevent: delta\ndata: {"text":"你好，世界"}\n\n' +
  ': ping\n' +
  'id: m1:2\nevent: done\ndata: {"status":"completed"}\n\n'

const EXPECTED: SseEvent[] = [
  { id: 'm1:0', event: 'meta', data: '{"messageId":"m1","conversationId":"c1"}' },
  { id: 'm1:1', event: 'delta', data: '{"text":"你好，世界"}' },
  { id: 'm1:2', event: 'done', data: '{"status":"completed"}' },
]

describe('createSseParser', () => {
  it('should parse events, ids and types and skip comments', () => {
    expect(parseAll(SAMPLE)).toEqual(EXPECTED)
  })

  it('should give the same events when CRLF or a lone CR ends lines', () => {
    expect(parseAll(SAMPLE.replaceAll('\n', '\r\n'))).toEqual(EXPECTED)
    expect(parseAll(SAMPLE.replaceAll('\n', '\r'))).toEqual(EXPECTED)
  })

  it('should give the same events whatever the text split, CRLF split between chunks included', () => {
    const text = SAMPLE.replaceAll('\n', '\r\n')
    for (let i = 0; i <= text.length; i++) {
      const out: SseEvent[] = []
      const p = createSseParser((e) => out.push(e))
      p.feed(text.slice(0, i))
      p.feed(text.slice(i))
      p.end()
      expect(out, `split at ${i}`).toEqual(EXPECTED)
    }
  })

  it('should join multi-line data with LF and drop the final LF', () => {
    expect(parseAll('data: a\ndata:b\ndata\ndata:  c\n\n')).toEqual([
      { id: '', event: 'message', data: 'a\nb\n\n c' },
    ])
  })

  it('should keep the last id across events and ignore an id containing NUL', () => {
    expect(parseAll('id: x:1\ndata: a\n\ndata: b\n\nid: bad\0id\ndata: c\n\n').map((e) => e.id)).toEqual([
      'x:1',
      'x:1',
      'x:1',
    ])
  })

  it('should not dispatch an event without data, nor one cut off before its blank line', () => {
    expect(parseAll('event: delta\n\nid: m:0\ndata: x')).toEqual([])
  })

  it('should ignore retry and unknown fields', () => {
    expect(parseAll('retry: 1000\nfoo: bar\ndata: x\n\n')).toEqual([{ id: '', event: 'message', data: 'x' }])
  })

  it('should reset the event type after each dispatch', () => {
    expect(parseAll('event: delta\ndata: 1\n\ndata: 2\n\n').map((e) => e.event)).toEqual(['delta', 'message'])
  })
})

describe('readSse', () => {
  it('should decode a Chinese character split across byte chunks', async () => {
    const bytes = enc.encode('id: m:1\nevent: delta\ndata: {"text":"中文"}\n\n')
    const cut = bytes.indexOf(0xe4) + 1 // inside the three bytes of 中
    const events = await collect(
      readSse(body([bytes.slice(0, cut), bytes.slice(cut, cut + 1), bytes.slice(cut + 1)])),
    )
    expect(events).toEqual([{ id: 'm:1', event: 'delta', data: '{"text":"中文"}' }])
  })

  it('should give the same events for every byte split of the sample', async () => {
    const bytes = enc.encode(SAMPLE)
    for (let i = 0; i <= bytes.length; i += 7) {
      expect(await collect(readSse(body([bytes.slice(0, i), bytes.slice(i)])))).toEqual(EXPECTED)
    }
  })

  it('should strip a leading BOM', async () => {
    expect(await collect(readSse(body([new Uint8Array([0xef, 0xbb, 0xbf]), 'data: x\n\n'])))).toEqual([
      { id: '', event: 'message', data: 'x' },
    ])
  })

  it('should throw when the body fails, after the events before it', async () => {
    const seen: SseEvent[] = []
    await expect(
      (async () => {
        for await (const e of readSse(body(['data: a\n\n'], { failAfter: true }))) seen.push(e)
      })(),
    ).rejects.toThrow('network reset')
    expect(seen).toHaveLength(1)
  })
})

describe('parseEventId', () => {
  it('should split <messageId>:<seq> at the last colon', () => {
    expect(parseEventId('msg:with:colon:12')).toEqual({ messageId: 'msg:with:colon', seq: 12 })
  })
  it('should reject ids without a numeric seq', () => {
    expect(parseEventId('abc')).toBeUndefined()
    expect(parseEventId(':3')).toBeUndefined()
    expect(parseEventId('m:x')).toBeUndefined()
  })
})

describe('followStream', () => {
  const ev = (seq: number, event = 'delta', data = `{"text":"${seq}"}`) =>
    `id: m1:${seq}\nevent: ${event}\ndata: ${data}\n\n`
  const res = (chunks: string[], failAfter = false) => new Response(body(chunks, { failAfter }))
  const base = {
    isFinal: (e: SseEvent) => e.event === 'done' || e.event === 'error',
    isRetryable: () => true,
  }

  it('should resume with the last event id and backoff when the stream drops before done', async () => {
    const sleep = vi.fn(async (_ms: number) => {})
    const resume = vi
      .fn()
      .mockRejectedValueOnce(new Error('still down'))
      .mockResolvedValueOnce(res([ev(2), ev(3, 'done', '{}')]))
    const events = await collect(
      followStream({ ...base, open: async () => res([ev(0, 'meta'), ev(1)], true), resume, sleep }),
    )
    expect(events.map((e) => e.id)).toEqual(['m1:0', 'm1:1', 'm1:2', 'm1:3'])
    expect(resume).toHaveBeenCalledWith('m1', 'm1:1')
    expect(resume).toHaveBeenCalledTimes(2)
    expect(sleep.mock.calls.map((c) => c[0])).toEqual([500, 1000])
  })

  it('should also resume when the body just ends without a final event', async () => {
    const resume = vi.fn(async () => res([ev(1, 'done', '{}')]))
    const events = await collect(
      followStream({ ...base, open: async () => res([ev(0, 'meta')]), resume, sleep: async () => {} }),
    )
    expect(events.map((e) => e.event)).toEqual(['meta', 'done'])
  })

  it('should open again when the stream dropped before any event id', async () => {
    const open = vi
      .fn()
      .mockResolvedValueOnce(res([': ping\n\n'], true))
      .mockResolvedValueOnce(res([ev(0, 'meta'), ev(1, 'done', '{}')]))
    const resume = vi.fn()
    const events = await collect(followStream({ ...base, open, resume, sleep: async () => {} }))
    expect(events).toHaveLength(2)
    expect(open).toHaveBeenCalledTimes(2)
    expect(resume).not.toHaveBeenCalled()
  })

  it('should give up with StreamDroppedError after maxAttempts without progress', async () => {
    const resume = vi.fn(async () => res([], true))
    await expect(
      collect(
        followStream({
          ...base,
          open: async () => res([ev(0)], true),
          resume,
          sleep: async () => {},
          maxAttempts: 3,
        }),
      ),
    ).rejects.toBeInstanceOf(StreamDroppedError)
    expect(resume).toHaveBeenCalledTimes(3)
  })

  it('should throw a non-retryable reconnect error at once', async () => {
    const gone = new Error('404')
    const resume = vi.fn(async () => Promise.reject(gone))
    await expect(
      collect(
        followStream({
          ...base,
          isRetryable: () => false,
          open: async () => res([ev(0)], true),
          resume,
          sleep: async () => {},
        }),
      ),
    ).rejects.toBe(gone)
    expect(resume).toHaveBeenCalledTimes(1)
  })

  it('should throw errors of the first open as they are', async () => {
    const denied = new Error('401')
    await expect(
      collect(
        followStream({ ...base, open: () => Promise.reject(denied), resume: vi.fn(), sleep: async () => {} }),
      ),
    ).rejects.toBe(denied)
  })
})
