// @vitest-environment node
// `resumed`: a dropped answer (STREAM_DROPPED) followed again from its last event keeps what it has.
import { expect, it } from 'vitest'
import { isBusy } from './chat'
import { askedWith, delta, meta, run, wire } from './chat.fixtures'

const dropped = [
  askedWith('你好'),
  meta,
  delta(1, '你'),
  { type: 'failed', localId: 'l1', code: 'STREAM_DROPPED', message: '' },
  { type: 'released', localId: 'l1' },
] as const

it('should follow the answer again with its text, its position and no error', () => {
  const s = run([...dropped, { type: 'resumed', localId: 'l1' }])
  expect(s.messages[0]).toMatchObject({
    answer: '你',
    status: 'streaming',
    error: null,
    lastSeq: 1,
    lastEventId: 'm1:1',
    messageId: 'm1',
  })
  expect(isBusy(s)).toBe(true)
})

it('should append only what it lacks, then end', () => {
  const s = run([
    ...dropped,
    { type: 'resumed', localId: 'l1' },
    delta(1, '你'), // replayed
    delta(2, '好'),
    wire(3, { event: 'done', data: { status: 'completed' } }),
  ])
  expect(s.messages[0]).toMatchObject({ answer: '你好', status: 'completed' })
  expect(isBusy(s)).toBe(false)
})

it('should wait as pending when nothing of the answer had arrived', () => {
  const s = run([
    askedWith('q'),
    meta,
    { type: 'failed', localId: 'l1', code: 'STREAM_DROPPED', message: '' },
    { type: 'resumed', localId: 'l1' },
  ])
  expect(s.messages[0]).toMatchObject({ status: 'pending', answer: '' })
})
