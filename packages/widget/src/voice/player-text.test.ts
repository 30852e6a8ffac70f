// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { floatToPcm16 } from './pcm'
import { speakable, MAX_SPEECH_CHARS } from './text'
import { createTtsPlayer } from './tts-player'
import { FakeAudioContext } from './voice.fixtures'

describe('createTtsPlayer', () => {
  it('should schedule chunks back to back from the first one, in arrival order', async () => {
    const ctx = new FakeAudioContext()
    ctx.currentTime = 1
    const p = createTtsPlayer(ctx, 24_000)
    p.enqueue(floatToPcm16(new Float32Array(2400).fill(0.5))) // 100 ms
    p.enqueue(floatToPcm16(new Float32Array(1200).fill(-0.5))) // 50 ms
    expect(ctx.sources[0]!.startedAt).toBeCloseTo(1.05)
    expect(ctx.sources[1]!.startedAt).toBeCloseTo(1.15)
    expect(ctx.sources.map((s) => [s.buffer!.rate, s.buffer!.data.length, s.buffer!.data[0]])).toEqual([
      [24_000, 2400, 0.5],
      [24_000, 1200, -0.5],
    ])
    expect(p.samples).toBe(3600)
    // Late chunk after a stall: starts at "now", not in the past.
    ctx.currentTime = 5
    p.enqueue(floatToPcm16(new Float32Array(10)))
    expect(ctx.sources[2]!.startedAt).toBeCloseTo(5.05)
    const ended = p.end()
    ctx.sources.forEach((s) => s.finish())
    await ended
  })

  it('should carry an odd byte over to the next chunk', () => {
    const ctx = new FakeAudioContext()
    const p = createTtsPlayer(ctx)
    const bytes = floatToPcm16(Float32Array.from([0.25, -0.25]))
    p.enqueue(bytes.subarray(0, 3))
    p.enqueue(bytes.subarray(3))
    expect(ctx.sources.map((s) => [...s.buffer!.data])).toEqual([[0.25], [-0.25]])
  })

  it('should stop every source and resolve end() at once', async () => {
    const ctx = new FakeAudioContext()
    const p = createTtsPlayer(ctx)
    p.enqueue(new Uint8Array(400))
    p.enqueue(new Uint8Array(400))
    const ended = p.end()
    p.stop()
    await ended
    expect(ctx.sources.every((s) => s.stopped)).toBe(true)
    await createTtsPlayer(ctx).end() // nothing queued
  })
})

describe('speakable', () => {
  it('should drop code, URLs and markup and keep link labels', () => {
    expect(
      speakable(
        '# 标题\n\n**你好**，见[文档](https://x.example/a)。\n\n```js\nconst x = 1\n```\n\n- 一\n- 二',
      ),
    ).toBe('标题 你好，见文档。 一 二')
    expect(speakable('![img](https://x/y.png) see https://x.example/q?a=1 > quoted `code`')).toBe(
      'see quoted code',
    )
    expect(speakable('```\nonly code')).toBe('')
    expect(speakable('a'.repeat(MAX_SPEECH_CHARS + 5))).toHaveLength(MAX_SPEECH_CHARS)
  })
})
