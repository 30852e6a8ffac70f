import { describe, expect, it } from 'vitest'
import { createWriteBatch } from './write-batch'

describe('createWriteBatch', () => {
  it('should write the rows of one turn in one insert, in order', async () => {
    const calls: number[][] = []
    const insert = createWriteBatch<number>(async (rows) => calls.push(rows))
    await Promise.all([1, 2, 3].map(insert))
    await insert(4)
    expect(calls).toEqual([[1, 2, 3], [4]])
  })

  it('should split a burst into batches of at most maxRows', async () => {
    const calls: number[][] = []
    const insert = createWriteBatch<number>(async (rows) => calls.push(rows), 2)
    await Promise.all([1, 2, 3, 4, 5].map(insert))
    expect(calls).toEqual([[1, 2], [3, 4], [5]])
  })

  it('should fail only the bad row when a batch fails', async () => {
    const insert = createWriteBatch<number>(async (rows) => {
      if (rows.includes(2)) throw new Error('duplicate key')
    })
    const results = await Promise.allSettled([1, 2, 3].map(insert))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  })
})
