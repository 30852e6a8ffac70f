// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { formatWhen, toSummaries } from './conversations'

describe('toSummaries', () => {
  it('should sort by last activity, newest first, and drop unusable rows', () => {
    const list = toSummaries({
      items: [
        { conversationId: 'c1', title: '第一个', updatedAt: '2026-12-01T08:00:00Z' },
        { conversationId: 'c3', title: null, updatedAt: '2026-12-03T08:00:00Z' },
        { title: 'no id' },
        { conversationId: 'c2', title: '第二个', updatedAt: '2026-12-02T08:00:00Z' },
      ],
    })
    expect(list).toEqual([
      { conversationId: 'c3', title: '', updatedAt: Date.UTC(2026, 11, 3, 8) },
      { conversationId: 'c2', title: '第二个', updatedAt: Date.UTC(2026, 11, 2, 8) },
      { conversationId: 'c1', title: '第一个', updatedAt: Date.UTC(2026, 11, 1, 8) },
    ])
  })

  it('should give an empty list for a body that is not one', () => {
    expect(toSummaries({})).toEqual([])
    expect(toSummaries(null)).toEqual([])
  })
})

describe('formatWhen', () => {
  const now = Date.UTC(2026, 11, 6, 18, 0)

  it('should show the time alone today, in the locale', () => {
    expect(formatWhen(Date.UTC(2026, 11, 6, 9, 5), 'en', now, 'UTC')).toBe('9:05 AM')
    expect(formatWhen(Date.UTC(2026, 11, 6, 9, 5), 'zh-CN', now, 'UTC')).toBe('9:05')
  })

  it('should add the date within the year and show the year before that', () => {
    expect(formatWhen(Date.UTC(2026, 10, 3, 14, 30), 'en', now, 'UTC')).toBe('Nov 3, 2:30 PM')
    expect(formatWhen(Date.UTC(2026, 10, 3, 14, 30), 'zh-CN', now, 'UTC')).toBe('11月3日 14:30')
    expect(formatWhen(Date.UTC(2025, 10, 3, 14, 30), 'en', now, 'UTC')).toBe('Nov 3, 2025')
    expect(formatWhen(Date.UTC(2025, 10, 3, 14, 30), 'zh-CN', now, 'UTC')).toBe('2025年11月3日')
  })
})
