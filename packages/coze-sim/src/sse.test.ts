import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import { createSseWriter, formatEvent, JUNK } from './sse'
import type { ServerResponse } from 'node:http'
import { chatBody, eventNames, openStream, parseSse, startTestSim } from './test-support'
import type { CozeSim } from './types'

/** The smallest ServerResponse the writer uses, recording what it is asked to do. */
function fakeResponse() {
  const log: string[] = []
  const res = {
    destroyed: false,
    socket: { setNoDelay: () => undefined },
    write: (text: string, done?: () => void) => {
      log.push(text)
      done?.()
    },
    end: () => void log.push('<end>'),
    destroy: () => {
      log.push('<destroy>')
      res.destroyed = true
    },
  }
  return { res: res as unknown as ServerResponse, log }
}

const delta = 'conversation.message.delta'

describe('formatEvent', () => {
  it('should frame exactly event:<name>\\ndata:<json>\\n\\n', () => {
    expect(formatEvent('done', '"[DONE]"')).toBe('event:done\ndata:"[DONE]"\n\n')
  })
})

describe('createSseWriter', () => {
  it('should destroy the socket right after the nth delta when dropping', async () => {
    const { res, log } = fakeResponse()
    const w = createSseWriter(res, { dropAfter: 2, malformed: false, split: false })
    for (let i = 0; i < 4; i++) w.frame(delta, `{"n":${i}}`, true)
    w.end()
    await sleep(0)
    expect(log).toEqual([formatEvent(delta, '{"n":0}'), formatEvent(delta, '{"n":1}'), '<destroy>'])
  })

  it('should drop before the first delta for drop-after=0', async () => {
    const { res, log } = fakeResponse()
    const w = createSseWriter(res, { dropAfter: 0, malformed: false, split: false })
    w.frame('conversation.chat.created', '{}', false)
    w.frame(delta, '{}', true)
    await sleep(0)
    expect(log).toEqual([formatEvent('conversation.chat.created', '{}'), '<destroy>'])
  })

  it('should never cut reasoning deltas: counts are of answer deltas', async () => {
    const { res, log } = fakeResponse()
    const w = createSseWriter(res, { dropAfter: 1, malformed: false, split: false })
    w.frame(delta, '{"reasoning":1}', false)
    w.frame(delta, '{"reasoning":2}', false)
    w.frame(delta, '{"answer":1}', true)
    w.frame(delta, '{"answer":2}', true)
    await sleep(0)
    expect(log).toEqual([
      formatEvent(delta, '{"reasoning":1}'),
      formatEvent(delta, '{"reasoning":2}'),
      formatEvent(delta, '{"answer":1}'),
      '<destroy>',
    ])
  })

  it('should go silent without ending when stalling', () => {
    const { res, log } = fakeResponse()
    const w = createSseWriter(res, { stallAfter: 1, malformed: false, split: false })
    w.frame(delta, '{}', true)
    w.frame(delta, '{}', true)
    w.frame('done', '"[DONE]"', false)
    w.end()
    expect(log).toEqual([formatEvent(delta, '{}')])
  })

  it('should interleave junk between whole frames when malformed', () => {
    const { res, log } = fakeResponse()
    const w = createSseWriter(res, { malformed: true, split: false })
    w.frame('conversation.chat.created', '{}', false)
    w.frame(delta, '{}', true)
    w.frame(delta, '{}', true)
    w.frame('conversation.message.completed', '{}', false)
    w.frame('conversation.message.completed', '{}', false)
    expect(log).toEqual([
      formatEvent('conversation.chat.created', '{}'),
      JUNK.unknownEvent,
      formatEvent(delta, '{}'),
      JUNK.noColon,
      formatEvent(delta, '{}'),
      JUNK.badJson,
      formatEvent('conversation.message.completed', '{}'),
      formatEvent('conversation.message.completed', '{}'),
    ])
  })
})

describe('SSE over HTTP', () => {
  let sim: CozeSim
  beforeEach(async () => {
    sim = await startTestSim()
  })
  afterEach(() => sim.close())

  it('should advertise its keep-alive idle timeout on a stream, as on every other reply', async () => {
    // Without the hint a pooling client keeps the socket past the sim's idle timeout and, now and then,
    // sends its next chat on a socket the sim is closing ("other side closed").
    const s = await openStream(sim, chatBody('你好 [[sim:tokens=1]]'))
    expect(await s.finished).toBe('end')
    expect(s.headers['connection']).toBe('keep-alive')
    expect(s.headers['keep-alive']).toMatch(/^timeout=\d+$/)
  })

  it('should send byte-exact Coze framing for a short answer', async () => {
    const question = '你好 [[sim:tokens=4]]'
    const answer = sim.answerFor(question)
    const s = await openStream(sim, chatBody(question))
    expect(await s.finished).toBe('end')
    expect(s.status).toBe(200)
    expect(s.headers['content-type']).toBe('text/event-stream')
    expect(s.headers['x-tt-logid']).toMatch(/^\d{14}[0-9A-F]{20}$/)

    const raw = s.text()
    const events = parseSse(raw)
    expect(raw).toBe(events.map((e) => formatEvent(e.event, e.data)).join(''))
    expect(raw.endsWith('event:done\ndata:"[DONE]"\n\n')).toBe(true)
    expect(events.map((e) => e.event)).toEqual([
      'conversation.chat.created',
      'conversation.chat.in_progress',
      ...answer.chunks.map(() => delta),
      ...Array(5).fill('conversation.message.completed'),
      'conversation.chat.completed',
      'done',
    ])
    const data = events.slice(0, -1).map((e) => JSON.parse(e.data))
    expect(JSON.stringify(data.map((d) => JSON.parse(JSON.stringify(d))))).toBe(
      `[${events.slice(0, -1).map((e) => e.data)}]`,
    )
    const [created] = data
    for (const d of data) {
      expect(d.id).toMatch(/^\d{19}$/)
      expect(d.conversation_id).toBe(created.conversation_id)
    }
    const chat = sim.chat(created.id)!
    const deltas = data.filter((d, i) => events[i]!.event === delta)
    expect(deltas.map((d) => d.content)).toEqual(answer.chunks)
    expect(deltas[0]).not.toHaveProperty('created_at')
    const completed = data.slice(2 + deltas.length, -1)
    expect(completed.map((d) => d.type)).toEqual(['answer', 'follow_up', 'follow_up', 'follow_up', 'verbose'])
    expect(completed[0]).toMatchObject({ content: answer.text, created_at: expect.any(Number) })
    expect(completed.slice(1, 4).map((d) => d.content)).toEqual(answer.followUps)
    expect(completed[4].content).toContain('generate_answer_finish')
    expect(data.at(-1)).toMatchObject({ id: chat.id, status: 'completed', usage: answer.usage })
    // The exact bytes of the first event, now that ids and timestamps are known.
    expect(raw.slice(0, raw.indexOf('\n\n') + 2)).toBe(
      'event:conversation.chat.created\ndata:' +
        `{"id":"${chat.id}","conversation_id":"${chat.conversationId}","bot_id":"7379462189365198898",` +
        `"created_at":${chat.createdAt},"meta_data":{},"last_error":{"code":0,"msg":""},"status":"created",` +
        `"usage":{"token_count":0,"output_count":0,"input_count":0},"section_id":"${created.section_id}"}\n\n`,
    )
  })

  it('should destroy the socket after n deltas for drop-after, while the chat completes', async () => {
    const question = '断开 [[sim:drop-after=3,tokens=20,reasoning]]'
    const s = await openStream(sim, chatBody(question))
    expect(await s.finished).toBe('cut')
    expect(eventNames(s.text())).not.toContain('done')
    const received = parseSse(s.text())
      .filter((e) => e.event === delta)
      .map((e) => JSON.parse(e.data))
    const { reasoningChunks, chunks } = sim.answerFor(question)
    expect(received.map((d) => d.reasoning_content ?? d.content)).toEqual([
      ...reasoningChunks,
      ...chunks.slice(0, 3),
    ])
    const chatId = JSON.parse(parseSse(s.text())[0]!.data).id
    await expect.poll(() => sim.chat(chatId)?.status).toBe('completed')
    expect(sim.chat(chatId)!.answer).toBe(sim.answerFor('断开 [[sim:tokens=20]]').text)
  })

  it('should go silent with the socket open for stall-after', async () => {
    const question = '停顿 [[sim:stall-after=2,tokens=10]]'
    const expected = sim.answerFor(question).reasoningChunks.length + 2
    const s = await openStream(sim, chatBody(question))
    await s.until((t) => eventNames(t).filter((n) => n === delta).length === expected)
    const chatId = JSON.parse(parseSse(s.text())[0]!.data).id
    await expect.poll(() => sim.chat(chatId)?.status).toBe('completed')
    await sleep(50)
    expect(eventNames(s.text()).filter((n) => n === delta)).toHaveLength(expected)
    let settled = false
    void s.finished.then(() => (settled = true))
    await sleep(20)
    expect(settled).toBe(false)
    s.destroy()
  })

  it('should interleave junk a tolerant client skips, the real events intact (malformed)', async () => {
    const question = '坏数据 [[sim:malformed,tokens=6]]'
    const s = await openStream(sim, chatBody(question))
    expect(await s.finished).toBe('end')
    const raw = s.text()
    expect(raw).toContain(JUNK.unknownEvent)
    expect(raw).toContain(JUNK.noColon)
    expect(raw).toContain(JUNK.badJson)
    const real = raw.replace(JUNK.unknownEvent, '').replace(JUNK.noColon, '').replace(JUNK.badJson, '')
    const events = parseSse(real)
    const answer = sim.answerFor(question)
    expect(events.filter((e) => e.event === delta)).toHaveLength(answer.reasoningChunks.length + 6)
    for (const e of events.slice(0, -1)) expect(() => JSON.parse(e.data)).not.toThrow()
    expect(events.at(-1)).toEqual({ event: 'done', data: '"[DONE]"' })
  })

  it('should cut bytes, lines and UTF-8 characters across writes with split', async () => {
    const question = '拆分 [[sim:split,tokens=12]]'
    const s = await openStream(sim, chatBody(question))
    expect(await s.finished).toBe('end')
    const decoder = new TextDecoder('utf-8', { fatal: true })
    const cutInsideChar = s.chunks.some((c) => {
      try {
        decoder.decode(c)
        return false
      } catch {
        return true
      }
    })
    expect(s.chunks.length).toBeGreaterThan(20)
    expect(cutInsideChar).toBe(true)
    const events = parseSse(s.text())
    const text = events
      .filter((e) => e.event === delta)
      .map((e) => JSON.parse(e.data).content)
      .join('')
    expect(text).toBe(sim.answerFor(question).text)
    expect(events.at(-1)!.event).toBe('done')
  })
})
