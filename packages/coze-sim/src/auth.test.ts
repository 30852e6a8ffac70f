import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { call, chatBody, PAT, startTestSim } from './test-support'
import type { CozeSim } from './types'

let sim: CozeSim
beforeEach(async () => {
  sim = await startTestSim()
})
afterEach(() => sim.close())

const create = (token: string | null) => call(sim, 'POST', '/v1/conversation/create', {}, token)

describe('createAuthenticator', () => {
  it('should accept a configured PAT, with any case of "Bearer"', async () => {
    expect((await create(PAT)).body.code).toBe(0)
    const r = await fetch(`${sim.url}/v1/conversation/create`, {
      method: 'POST',
      headers: { Authorization: `bearer ${PAT}` },
    })
    expect(((await r.json()) as { code: number }).code).toBe(0)
  })

  it.each([
    ['no token', null],
    ['an unknown token', 'pat_unknown'],
  ])('should answer HTTP 401 + 4100 as JSON for %s', async (_name, token) => {
    const r = await create(token)
    expect(r.status).toBe(401)
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(r.body).toEqual({
      code: 4100,
      msg: 'authentication is invalid',
      detail: { logid: r.headers.get('x-tt-logid') },
    })
    expect(sim.stats.authFailures).toBe(1)
  })

  it('should answer a stream request with JSON, not SSE', async () => {
    const r = await call(sim, 'POST', '/v3/chat', chatBody('你好'), 'pat_wrong')
    expect(r.status).toBe(401)
    expect(r.headers.get('content-type')).toContain('application/json')
    expect(r.body.code).toBe(4100)
  })

  it('should reject exactly the next n calls after rejectNextAuth(n)', async () => {
    sim.faults.rejectNextAuth(2)
    expect((await create(PAT)).status).toBe(401)
    expect((await create(PAT)).status).toBe(401)
    expect((await create(PAT)).status).toBe(200)
    expect(sim.stats.authFailures).toBe(2)
  })
})
