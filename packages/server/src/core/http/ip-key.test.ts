import { describe, expect, it } from 'vitest'
import { ipKey } from './ip-key'

describe('ipKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::1:2:3:4:5:1.2.3.4', '0:1:2:3::/64'],
    ['not-an-ip', 'not-an-ip'],
  ])('should key %s as %s', (ip, key) => {
    expect(ipKey(ip)).toBe(key)
  })

  it('should give every address of one /64 the same key', () => {
    expect(ipKey('2001:db8:a:b::1')).toBe(ipKey('2001:db8:a:b:ffff:1:2:3'))
    expect(ipKey('2001:db8:a:b::1')).not.toBe(ipKey('2001:db8:a:c::1'))
  })
})
