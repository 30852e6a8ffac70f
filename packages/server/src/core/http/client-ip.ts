import { isIP } from 'node:net'
import { normaliseIp, type CidrList } from './cidr'

/**
 * The client's address (SPEC §2.1): the socket address, unless that is a trusted proxy; then
 * `X-Forwarded-For` is walked from the right, skipping trusted proxies, and the first address not
 * trusted is the client. Entries a proxy did not vouch for are never believed.
 */
export function clientIp(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: CidrList,
) {
  let ip = normaliseIp(socketAddress ?? '')
  if (!trusted.size || !trusted.has(ip) || !forwardedFor) return ip
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => normaliseIp(h.trim()))
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!
    if (!isIP(hop)) return ip // garbage from beyond our proxies: stop at the last address we trust to be real
    ip = hop
    if (!trusted.has(hop)) return hop
  }
  return ip
}
