import { describe, expect, it } from 'vitest'
import { createIdGenerator, newAccessToken, newLogId } from './ids'

describe('createIdGenerator', () => {
  it('should produce 19-digit snowflake strings like Coze ids', () => {
    const id = createIdGenerator(() => Date.UTC(2024, 5, 19))()
    expect(id).toMatch(/^7\d{18}$/)
    expect(BigInt(id) >> 22n).toBe(BigInt(Date.UTC(2024, 5, 19)))
  })

  it('should keep ids unique and increasing within one millisecond', () => {
    const nextId = createIdGenerator(() => 1_718_792_949_000)
    const ids = Array.from({ length: 1000 }, nextId)
    expect(new Set(ids).size).toBe(1000)
    expect(ids.map(BigInt)).toEqual([...ids.map(BigInt)].sort((a, b) => (a < b ? -1 : 1)))
  })

  it('should stay increasing when the clock goes backwards', () => {
    let now = 2_000_000_000_000
    const nextId = createIdGenerator(() => now)
    const a = nextId()
    now -= 5000
    expect(BigInt(nextId())).toBeGreaterThan(BigInt(a))
  })
})

describe('newLogId', () => {
  it('should look like a Coze logid: Beijing timestamp + 20 hex digits', () => {
    expect(newLogId(new Date('2025-04-02T09:27:57Z'))).toMatch(/^20250402172757[0-9A-F]{20}$/)
  })
})

describe('newAccessToken', () => {
  it('should be opaque, unique and prefixed czs_', () => {
    const a = newAccessToken()
    expect(a).toMatch(/^czs_[\w-]{43}$/)
    expect(newAccessToken()).not.toBe(a)
  })
})
