/** The in-process stream slots: the contract, and a crashed holder's slots expiring on the injected clock. */
import { describe, expect, it } from 'vitest'
import { createMemoryStreamSlots } from './slots'
import { runStreamSlotsContract } from '../contract/slots.contract.test'

runStreamSlotsContract('memory', () => createMemoryStreamSlots())

describe('crash safety', () => {
  it('should free the slots of a crashed instance once they expire (memory)', async () => {
    let t = 1_000
    const sut = createMemoryStreamSlots(60_000, () => t)
    await sut.acquire('u1', 1)
    expect(await sut.acquire('u1', 1)).toBeUndefined()
    t += 60_001 // the holder died without releasing or refreshing
    expect(await sut.acquire('u1', 1)).toBeTruthy()
  })
})
