import { describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisUrl } from '../../../../test/services'
import { openKv } from './index'

describe('openKv', () => {
  it('should use Redis when a url is given', async () => {
    const sut = await openKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() })
    expect(sut.kind).toBe('redis')
    await sut.close()
  })

  it('should use the in-process store without a url', async () => {
    const sut = await openKv({ prefix: 'vc' })
    expect(sut.kind).toBe('memory')
    await sut.close()
  })
})
