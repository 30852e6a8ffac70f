import { describe, expect, it } from 'vitest'
import { parseCidrList } from './cidr'
import { clientIp } from './client-ip'

const list = (raw: string) => parseCidrList(raw, 'TEST', [])

describe('parseCidrList', () => {
  it('should match IPv4, IPv6 and IPv4-mapped addresses', () => {
    const l = list('10.0.0.0/8, 2001:db8::/32, 127.0.0.1')
    expect(l.has('10.1.2.3')).toBe(true)
    expect(l.has('::ffff:10.1.2.3')).toBe(true)
    expect(l.has('2001:db8::1')).toBe(true)
    expect(l.has('127.0.0.1')).toBe(true)
    expect(l.has('127.0.0.2')).toBe(false)
    expect(l.has('11.0.0.1')).toBe(false)
    expect(l.has('not-an-ip')).toBe(false)
  })

  it('should report each bad entry with the variable name', () => {
    const problems: string[] = []
    parseCidrList('10.0.0.0/33, banana, ::1/129', 'S2S_IP_ALLOWLIST', problems)
    expect(problems).toHaveLength(3)
    expect(problems[0]).toMatch(/^S2S_IP_ALLOWLIST: "10.0.0.0\/33"/)
  })
})

describe('clientIp', () => {
  const trusted = list('10.0.0.0/8')
  it('should use the socket address when no proxy is trusted', () => {
    expect(clientIp('1.2.3.4', '9.9.9.9', list(''))).toBe('1.2.3.4')
  })
  it('should ignore X-Forwarded-For from an untrusted peer', () => {
    expect(clientIp('1.2.3.4', '9.9.9.9', trusted)).toBe('1.2.3.4')
  })
  it('should take the first untrusted hop from the right behind trusted proxies', () => {
    expect(clientIp('10.0.0.1', '6.6.6.6, 5.5.5.5, 10.0.0.2', trusted)).toBe('5.5.5.5')
  })
  it('should stop at garbage in the header', () => {
    expect(clientIp('10.0.0.1', 'evil, 10.0.0.2', trusted)).toBe('10.0.0.2')
  })
  it('should handle IPv6 proxies and mapped socket addresses', () => {
    expect(clientIp('::ffff:10.0.0.1', '2001:db8::7', trusted)).toBe('2001:db8::7')
  })
  it('should walk several trusted hops, IPv6 ones included', () => {
    const chain = list('10.0.0.0/8, fd00::/8')
    expect(clientIp('fd00::1', '198.51.100.4, 10.1.1.1, fd00::2', chain)).toBe('198.51.100.4')
  })
  it('should give the leftmost hop when every hop is a trusted proxy', () => {
    expect(clientIp('10.0.0.1', '10.0.0.3, 10.0.0.2', trusted)).toBe('10.0.0.3')
  })
  it('should read repeated X-Forwarded-For headers as one list, in order', () => {
    expect(clientIp('10.0.0.1', ['6.6.6.6, 5.5.5.5', '10.0.0.2'], trusted)).toBe('5.5.5.5')
  })
  it('should never believe a client that claims to be a trusted proxy in the header', () => {
    expect(clientIp('10.0.0.1', '10.9.9.9, 7.7.7.7', trusted)).toBe('7.7.7.7')
  })
  it('should keep the socket address when the header is empty', () => {
    expect(clientIp('10.0.0.1', '', trusted)).toBe('10.0.0.1')
  })
})
