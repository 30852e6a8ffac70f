import { describe, expect, it } from 'vitest'
import { parseLastEventId } from './event-id'

describe('parseLastEventId', () => {
  it.each([
    [undefined, -1],
    ['', -1],
    ['m1:0', 0],
    ['m1:41', 41],
    ['m2:41', undefined],
    ['m1:', undefined],
    ['m1:-1', undefined],
    ['m1:1e3', undefined],
    [':4', undefined],
    ['m1:9999999999', undefined],
  ])('should parse %s as %s', (raw, seq) => {
    expect(parseLastEventId(raw, 'm1')).toBe(seq)
  })
})
