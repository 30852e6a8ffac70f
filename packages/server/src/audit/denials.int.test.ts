/**
 * Issue 20, finding 6: a flood of refused calls to /api/internal/* stays a few audit rows. Denials are
 * sampled like rate-limit refusals (once a minute per reason, address and verified key), and the path
 * has its own per-address limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../test/harness'

const INSIDER = '192.0.2.5'
const OUTSIDER = '203.0.113.7'
let stack: Stack
beforeAll(async () => {
  stack = await startStack({
    backend: 'embedded',
    env: {
      TRUST_PROXY: '127.0.0.1, ::1',
      S2S_IP_ALLOWLIST: '127.0.0.1, ::1, 192.0.2.0/24',
      RATE_LIMIT_S2S_IP_PER_MINUTE: '100',
    },
  })
})
afterAll(() => stack?.close())

/** 300 text/plain POSTs with 600-byte user agents from `from`, ten at a time; their statuses. */
async function flood(from: string) {
  const statuses: number[] = []
  for (let i = 0; i < 30; i++) {
    const batch = Array.from({ length: 10 }, () =>
      fetch(`${stack.url}/api/internal/session/create`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': 'u'.repeat(600), 'x-forwarded-for': from },
        body: 'x'.repeat(100),
      }).then((r) => r.status),
    )
    statuses.push(...(await Promise.all(batch)))
  }
  return statuses
}

const rowsFrom = async (ip: string) => {
  await stack.services.audit.flush()
  return (await stack.store.listAudit(0, 100_000)).filter((r) => r.clientIp === ip)
}
const tally = (xs: number[]) =>
  Object.fromEntries([...new Set(xs)].map((x) => [x, xs.filter((y) => y === x).length]))

describe('an audit flood on /api/internal/*', () => {
  it('should leave one row for 300 refused calls from outside the allowlist', async () => {
    expect(tally(await flood(OUTSIDER))).toEqual({ 403: 300 })
    const rows = await rowsFrom(OUTSIDER)
    expect(rows.map((r) => [r.action, r.reason])).toEqual([['s2s.denied', 'IP_NOT_ALLOWED']])
  })

  it('should limit an allow-listed address and audit each kind of refusal once', async () => {
    expect(tally(await flood(INSIDER))).toEqual({ 415: 100, 429: 200 })
    const rows = await rowsFrom(INSIDER)
    expect(rows.map((r) => [r.action, r.reason]).sort()).toEqual([
      ['rate.limited', 'RATE_LIMITED'],
      ['s2s.denied', 'UNSUPPORTED_MEDIA_TYPE'],
    ])
    expect(rows.find((r) => r.action === 'rate.limited')!.detail).toContain('"limit":"s2s-ip"')
  })
})
