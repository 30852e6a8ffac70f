import { BlockList, isIP } from 'node:net'

/** `::ffff:10.0.0.1` → `10.0.0.1`, so IPv4 clients on a dual-stack socket match IPv4 CIDRs. */
export function normaliseIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  return m ? m[1]! : ip
}

export interface CidrList {
  readonly size: number
  has(ip: string): boolean
}

/**
 * Parses `10.0.0.0/8, 2001:db8::/32, 127.0.0.1` into a matcher (a bare address is a /32 or /128).
 * Problems are pushed with the variable's name so config errors read one per line.
 */
export function parseCidrList(raw: string, name: string, problems: string[]): CidrList {
  const list = new BlockList()
  let size = 0
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [addr = '', bits] = item.split('/')
    const family = isIP(addr)
    const max = family === 4 ? 32 : 128
    const prefix = bits === undefined ? max : Number(bits)
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      problems.push(`${name}: "${item}" is not an IP address or CIDR`)
      continue
    }
    list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6')
    size++
  }
  return {
    size,
    has(ip: string) {
      const a = normaliseIp(ip)
      const family = isIP(a)
      return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6')
    },
  }
}
