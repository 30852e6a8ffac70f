import calculateSlot from 'cluster-key-slot'
import { describe, expect, it } from 'vitest'
import { channels, hashTagOf, keys, rateLimitPrefix } from './keys'

const ID = '0b5f6c1e-7d0a-4c55-9a7e-1f2d3c4b5a69'
/** Every key builder called with sample ids (a day for voice seconds). */
const built = Object.entries(keys).map(
  ([name, build]) => [name, (build as (...a: string[]) => string)(ID, '2026-12-06')] as const,
)

describe('keys', () => {
  it.each(built)('%s should carry exactly one non-empty hash tag', (_name, key) => {
    expect(key.match(/\{/g)).toHaveLength(1)
    expect(key.match(/\}/g)).toHaveLength(1)
    expect(hashTagOf(key)).toMatch(/^[a-z]:.+/)
  })

  it('should put the keys of one message together and those of one user together', () => {
    const prefix = 'vc'
    const slot = (k: string) => calculateSlot(`${prefix}:${k}`)
    const message = [keys.stream(ID), keys.lease(ID), keys.awaitingReply(ID), keys.recover(ID)]
    expect(new Set(message.map(slot)).size).toBe(1)
    const user = [
      keys.streamSlots(ID),
      keys.userSessions(ID),
      keys.voiceConnections(ID),
      keys.voiceSeconds(ID, '2026-12-06'),
      keys.clientMessage(ID, 'c-1'),
    ]
    expect(new Set(user.map(slot)).size).toBe(1)
    expect(slot(keys.stream('m-1'))).not.toBe(slot(keys.stream('m-2'))) // spread, not one hot slot
  })

  it('should keep the tag when an id contains braces', () => {
    // The first `{…}` decides: a user id with a brace still hashes the same for all that user's keys.
    const odd = 'a}b{c'
    expect(calculateSlot(keys.streamSlots(odd))).toBe(calculateSlot(keys.userSessions(odd)))
  })

  it('should leave channels and rate-limit prefixes untagged', () => {
    expect(hashTagOf(channels.streamAppended)).toBeUndefined()
    expect(rateLimitPrefix('user-minute')).toBe('rl:user-minute')
  })

  it('should read a hash tag as Redis does', () => {
    expect(hashTagOf('a{b}c{d}')).toBe('b')
    expect(hashTagOf('a{}b{c}')).toBeUndefined() // empty first tag: the whole key is hashed
    expect(hashTagOf('plain')).toBeUndefined()
  })
})
