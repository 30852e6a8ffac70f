/** Issue 6, must-show 5 (metrics half): `/metrics` shows the series after a chat, on the embedded default. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../test/harness'

let stack: Stack
beforeAll(async () => {
  stack = await startStack({ backend: 'embedded', env: { RATE_LIMIT_USER_MESSAGES_PER_MINUTE: '1' } })
})
afterAll(() => stack?.close())

const scrape = async (s: Stack) => {
  const res = await fetch(`${s.url}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return res.text()
}
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('GET /metrics', () => {
  it('should show requests, streams, time to first token, events, credentials and limits after a chat', async () => {
    const user = await stack.newUser()
    expect((await stack.chat(user.token, { message: '你好' })).events.at(-1)?.event).toBe('done')
    expect((await stack.send(user.token, { message: '再来' })).status).toBe(429)
    await fetch(`${stack.url}/no/such/route`)

    const text = await scrape(stack)
    expect(value(text, 'vc_http_requests_total{method="POST",route="/api/chat/send",status="200"}')).toBe(1)
    expect(value(text, 'vc_http_requests_total{method="POST",route="/api/chat/send",status="429"}')).toBe(1)
    expect(value(text, 'vc_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1)
    expect(
      value(text, 'vc_http_requests_total{method="POST",route="/api/internal/session/create",status="201"}'),
    ).toBe(1)
    expect(value(text, 'vc_chat_active_streams')).toBe(0)
    expect(value(text, 'vc_chat_time_to_first_token_seconds_count')).toBe(1)
    expect(value(text, 'vc_chat_stream_duration_seconds_count{status="completed"}')).toBe(1)
    expect(value(text, 'vc_chat_events_relayed_total{event="meta"}')).toBe(1)
    expect(value(text, 'vc_chat_events_relayed_total{event="delta"}')).toBeGreaterThan(1)
    expect(value(text, 'vc_chat_events_relayed_total{event="done"}')).toBe(1)
    expect(value(text, 'vc_coze_token_exchanges_total{outcome="ok"}')).toBe(1)
    expect(value(text, 'vc_rate_limit_rejections_total{limit="user-minute"}')).toBe(1)
    expect(value(text, 'vc_audit_events_total{action="chat.end",result="written"}')).toBe(1)
    for (const name of ['vc_upstream_errors_total', 'vc_chat_resumes_total', 'vc_sweeper_repairs_total'])
      expect(text).toContain(`# TYPE ${name} counter`)
    expect(text).not.toMatch(/[{,](user|userId|phone|token|messageId|conversationId|ip)=/) // low cardinality
    expect(text).not.toContain(user.userId)
  })

  it('should time responses by route pattern and status class, never by the raw URL', async () => {
    const user = await stack.newUser()
    const auth = { headers: { authorization: `Bearer ${user.token}` } }
    const unknownId = 'f3a9c1de-0000-4000-8000-00000000beef'
    await fetch(`${stack.url}/api/chat/stream/${unknownId}`, auth)
    await fetch(`${stack.url}/api/chat/history?conversationId=${unknownId}`, auth)

    const text = await scrape(stack)
    const count = (route: string, cls: string) =>
      value(
        text,
        `vc_http_request_duration_seconds_count{route="${route}",method="GET",status_class="${cls}"}`,
      )
    expect(count('/api/chat/stream/:messageId', '4xx')).toBe(1)
    expect(count('/api/chat/history', '2xx')).toBe(1)
    expect(text).not.toContain(unknownId)
    // SQLite: no MySQL pool, so its gauges have no series; the error counters exist at zero cost.
    expect(text).toContain('# TYPE vc_mysql_errors_total counter')
    expect(text).not.toMatch(/^vc_mysql_pool_connections\{/m)
    expect(text).toContain('# TYPE vc_redis_errors_total counter')
  })

  it('should count PAT fallbacks and upstream errors by code', async () => {
    const s = await startStack({ backend: 'embedded', oauth: 'broken', pat: 'ok' })
    try {
      const user = await s.newUser()
      await s.chat(user.token, { message: '你好' })
      await s.chat(user.token, { message: '坏了 [[sim:http=502]]' })
      const text = await scrape(s)
      expect(value(text, 'vc_coze_pat_fallbacks_total')).toBeGreaterThanOrEqual(1)
      expect(value(text, 'vc_coze_token_exchanges_total{outcome="error"}')).toBeGreaterThanOrEqual(1)
      expect(text).toMatch(/^vc_upstream_errors_total\{code="UPSTREAM_[A-Z_]+"\} 1$/m)
    } finally {
      await s.close()
    }
  })

  it('should answer 403 outside METRICS_IP_ALLOWLIST', async () => {
    const s = await startStack({ backend: 'embedded', env: { METRICS_IP_ALLOWLIST: '10.0.0.0/8' } })
    try {
      const res = await fetch(`${s.url}/metrics`)
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ error: { code: 'IP_NOT_ALLOWED' } })
    } finally {
      await s.close()
    }
  })
})
