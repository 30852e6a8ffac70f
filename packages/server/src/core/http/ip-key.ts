import { isIP } from 'node:net'

/**
 * The rate-limit key of a client address: IPv4 as is, IPv6 by its /64, since one subscriber usually
 * holds a whole /64 and could otherwise rotate addresses to escape a per-address limit.
 *
 * @example ipKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function ipKey(ip: string): string {
  if (isIP(ip) !== 6) return ip
  const [head = '', tail] = ip.toLowerCase().split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  // An embedded IPv4 tail (`64:ff9b::1.2.3.4`) stands for two groups.
  const rightGroups = right.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - rightGroups).fill('0'), ...right]
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}
