import { describe, expect, it } from 'vitest'
import { answerFor } from './answers'
import { ChatRun, FAILED_ERROR, SERVER_ERROR, type RunPlan } from './chat-run'
import { createIdGenerator } from './ids'
import { createStore } from './store'
import { emptyUsage, type ChatRec } from './wire'

interface Seen {
  event: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON
  data: any
}

function setup(question: string, plan: Partial<RunPlan> = {}) {
  const nextId = createIdGenerator()
  const store = createStore(nextId)
  const conversation = store.createConversation()
  const chat: ChatRec = {
    id: nextId(),
    conversation_id: conversation.id,
    bot_id: 'bot',
    user_id: 'user',
    section_id: conversation.last_section_id,
    meta_data: {},
    created_at: 1,
    last_error: { code: 0, msg: '' },
    status: 'created',
    usage: emptyUsage(),
    question,
    stream: true,
    messages: [],
    reasoning: '',
    deltas: 0,
    tool_outputs: [],
  }
  store.addChat(conversation, chat)
  const seen: Seen[] = []
  let resolveEnd: () => void
  const ended = new Promise<void>((resolve) => (resolveEnd = resolve))
  let finished = false
  const run = new ChatRun({
    chat,
    conversation,
    answer: answerFor(question),
    plan: { ttftMs: 0, tokensPerSecond: 0, ...plan },
    nextId,
    onFinish: () => (finished = true),
  })
  run.observe({
    frame: (event, data) => seen.push({ event, data: JSON.parse(data) }),
    end: () => resolveEnd(),
  })
  return { run, chat, conversation, seen, ended, isFinished: () => finished }
}

const names = (seen: Seen[]) => seen.map((s) => s.event)
const deltas = (seen: Seen[]) => seen.filter((s) => s.event === 'conversation.message.delta')
const answerDeltas = (seen: Seen[]) => deltas(seen).filter((s) => s.data.reasoning_content === undefined)
/** Delta events for a question: reasoning ones (some templates have reasoning) plus answer ones. */
const deltaCount = (question: string) =>
  answerFor(question).reasoningChunks.length + answerFor(question).chunks.length

describe('ChatRun', () => {
  it('should run created → in_progress → deltas → completed messages → chat.completed → done', async () => {
    const question = '流程 [[sim:tokens=5]]'
    const { run, chat, conversation, seen, ended, isFinished } = setup(question)
    run.start()
    expect(names(seen)).toEqual(['conversation.chat.created', 'conversation.chat.in_progress'])
    expect(seen.map((s) => s.data.status)).toEqual(['created', 'in_progress'])
    await ended
    const answer = answerFor(question)
    expect(answerDeltas(seen).map((s) => s.data.content)).toEqual(answer.chunks)
    expect(names(seen).slice(-2)).toEqual(['conversation.chat.completed', 'done'])
    expect(seen.at(-1)!.data).toBe('[DONE]')
    expect(chat).toMatchObject({ status: 'completed', usage: answer.usage, deltas: deltaCount(question) })
    expect(chat.completed_at).toEqual(expect.any(Number))
    expect(chat.messages.map((m) => m.type)).toEqual([
      'answer',
      'follow_up',
      'follow_up',
      'follow_up',
      'verbose',
    ])
    expect(conversation.messages.map((m) => m.content)).toEqual([answer.text])
    expect(isFinished()).toBe(true)
  })

  it('should keep running for other observers after one leaves', async () => {
    const { run, chat, ended } = setup('离开 [[sim:tokens=30]]')
    const leaver: string[] = []
    const off = run.observe({
      frame: (e) => void (leaver.push(e), leaver.length === 3 && off()),
      end: () => undefined,
    })
    run.start()
    await ended
    expect(leaver).toHaveLength(3)
    expect(chat.status).toBe('completed')
  })

  it('should send reasoning deltas first, then answer deltas', async () => {
    const question = '想一想 [[sim:reasoning,tokens=3]]'
    const { run, seen, ended } = setup(question)
    run.start()
    await ended
    const answer = answerFor(question)
    const ds = deltas(seen).map((s) => s.data)
    expect(ds.slice(0, answer.reasoningChunks.length)).toEqual(
      answer.reasoningChunks.map((r) => expect.objectContaining({ content: '', reasoning_content: r })),
    )
    expect(ds.slice(answer.reasoningChunks.length).map((d) => d.content)).toEqual(answer.chunks)
    const completed = seen.find((s) => s.event === 'conversation.message.completed')!.data
    expect(completed).toMatchObject({ content: answer.text, reasoning_content: answer.reasoning })
  })

  it('should fail after n deltas with chat.failed, last_error and done', async () => {
    const { run, chat, seen, ended } = setup('失败 [[sim:tokens=10,reasoning]]', {
      failure: { kind: 'fail', afterDeltas: 4 },
    })
    run.start()
    await ended
    expect(answerDeltas(seen)).toHaveLength(4)
    expect(names(seen).slice(-2)).toEqual(['conversation.chat.failed', 'done'])
    expect(seen.at(-2)!.data).toMatchObject({ status: 'failed', last_error: FAILED_ERROR })
    expect(chat).toMatchObject({ status: 'failed', last_error: FAILED_ERROR, failed_at: expect.any(Number) })
  })

  it('should fail half-way by default and end with an error event, no done, for error-event', async () => {
    const question = '错误 [[sim:tokens=10]]'
    const { run, chat, seen, ended } = setup(question, { failure: { kind: 'error' } })
    run.start()
    await ended
    const { reasoningChunks, chunks } = answerFor(question)
    expect(deltas(seen)).toHaveLength(reasoningChunks.length + Math.floor(chunks.length / 2))
    expect(answerDeltas(seen)).toHaveLength(5)
    expect(seen.at(-1)).toEqual({ event: 'error', data: SERVER_ERROR })
    expect(chat).toMatchObject({ status: 'failed', last_error: SERVER_ERROR })
  })

  it('should keep streaming after a cancel while the chat stays canceled', async () => {
    const question = '取消 [[sim:tokens=4]]'
    const { run, chat, seen, ended } = setup(question, { ttftMs: 20 })
    run.start()
    chat.status = 'canceled'
    await ended
    expect(deltas(seen)).toHaveLength(deltaCount(question))
    expect(seen.at(-2)).toMatchObject({ event: 'conversation.chat.completed', data: { status: 'canceled' } })
    expect(chat.status).toBe('canceled')
    expect(chat.completed_at).toBeUndefined()
  })

  it('should pace deltas by tokens per second and still finish', async () => {
    const question = '节奏 [[sim:tokens=5]]'
    const { run, chat, ended } = setup(question, { ttftMs: 5, tokensPerSecond: 500 })
    run.start()
    expect(chat.deltas).toBe(0)
    await ended
    expect(chat.deltas).toBe(deltaCount(question))
  })

  it('should emit nothing more after stop()', async () => {
    const { run, seen, isFinished } = setup('停止 [[sim:tokens=5]]', { ttftMs: 10 })
    run.start()
    run.stop()
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(names(seen)).toEqual(['conversation.chat.created', 'conversation.chat.in_progress'])
    expect(isFinished()).toBe(false)
  })
})
