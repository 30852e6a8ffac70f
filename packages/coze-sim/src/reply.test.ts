import { describe, expect, it } from 'vitest'
import type { IncomingMessage } from 'node:http'
import { ApiError, bearerOf, parseJson, stringMap } from './reply'

const withAuth = (authorization?: string) => ({ headers: { authorization } }) as IncomingMessage

describe('bearerOf', () => {
  it('should read a bearer token in any case and refuse other schemes', () => {
    expect(bearerOf(withAuth('Bearer pat_x'))).toBe('pat_x')
    expect(bearerOf(withAuth('bearer  pat_x '))).toBe('pat_x')
    expect(bearerOf(withAuth('Basic abc'))).toBeUndefined()
    expect(bearerOf(withAuth())).toBeUndefined()
  })
})

describe('parseJson', () => {
  it('should parse JSON, give undefined for an empty body and throw 4000 otherwise', () => {
    expect(parseJson(Buffer.from('{"a":1}'))).toEqual({ a: 1 })
    expect(parseJson(Buffer.alloc(0))).toBeUndefined()
    expect(() => parseJson(Buffer.from('{'))).toThrow(
      expect.objectContaining({ code: 4000, status: 200 }) as unknown as Error,
    )
  })
})

describe('stringMap', () => {
  it('should accept string maps and nothing else', () => {
    expect(stringMap({ a: 'b' })).toEqual({ a: 'b' })
    expect(stringMap(undefined)).toBeUndefined()
    expect(() => stringMap(['a'])).toThrow(ApiError)
    expect(() => stringMap({ a: 1 })).toThrow(ApiError)
  })
})
