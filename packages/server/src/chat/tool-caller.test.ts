import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { verifyToolCall, type VerifyToolCallResult } from '@volcano-chat/client'
import {
  createToolCaller,
  TOOL_FAILED_OUTPUT,
  TOOL_UNAVAILABLE_OUTPUT,
  truncateUtf8,
  type ToolCallRecord,
} from './tool-caller'

const KEY_ID = 'tools-test'
const SECRET = 'tools-secret-0123456789abcdef'
const SECRET_ARG = 'order-lookup-argument-never-logged'

const INPUT = {
  toolCallId: 'call_1',
  name: 'my_orders',
  arguments: JSON.stringify({ note: SECRET_ARG }),
  sessionId: 'sess_1',
  externalUserId: 'u-42',
  conversationId: 'conv_1',
  messageId: 'msg_1',
}

/** Website A's tool endpoint: verifies each call with verifyToolCall, then does what `reply` says. */
let reply: (res: ServerResponse) => void
const seen: VerifyToolCallResult[] = []
const held: ServerResponse[] = []
const handle = async (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const verified = await verifyToolCall(
    { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) },
    { keys: { [KEY_ID]: SECRET } },
  )
  seen.push(verified)
  if (!verified.ok) return res.writeHead(verified.status).end(JSON.stringify({ error: verified.code }))
  reply(res)
}
// A handler that throws cuts the request (the test fails on it) rather than leaving a rejection.
const server = createServer((req, res) => void handle(req, res).catch((err: Error) => res.destroy(err)))
let base: string

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const res of held) res.destroy()
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})
beforeEach(() => {
  seen.length = 0
})

function caller(o: { url?: string; timeoutMs?: number; secret?: string } = {}) {
  const lines: string[] = []
  const records: ToolCallRecord[] = []
  const sink = new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) })
  const tools = createToolCaller({
    url: 'url' in o ? o.url : `${base}/tools?site=a`,
    keyId: KEY_ID,
    secret: o.secret ?? SECRET,
    timeoutMs: o.timeoutMs ?? 5_000,
    log: pino({ level: 'info' }, sink),
    onCall: (r) => records.push(r),
  })
  return { tools, lines, records }
}

const json =
  (body: unknown, status = 200) =>
  (res: ServerResponse) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))

describe('createToolCaller', () => {
  it("should POST the signed call and hand back website A's output", async () => {
    reply = json({ output: '[{"id":"A-1"}]' })
    const { tools, records, lines } = caller()
    const result = await tools.call(INPUT)
    expect(result).toEqual({ ok: true, output: '[{"id":"A-1"}]' })
    expect(seen).toEqual([{ ok: true, keyId: KEY_ID, call: { ...INPUT, args: { note: SECRET_ARG } } }])
    expect(records).toEqual([
      {
        name: 'my_orders',
        toolCallId: 'call_1',
        sessionId: 'sess_1',
        messageId: 'msg_1',
        ok: true,
        ms: expect.any(Number),
      },
    ])
    const log = lines.join('')
    expect(log).toContain('"tool":"my_orders"')
    expect(log).not.toContain(SECRET)
    expect(log).not.toContain(SECRET_ARG)
    await tools.close()
  })

  it('should leave out an absent externalUserId', async () => {
    reply = json({ output: 'ok' })
    const { tools } = caller()
    await tools.call({ ...INPUT, externalUserId: null })
    expect(seen[0]).toMatchObject({ ok: true })
    expect(seen[0]!.ok && 'externalUserId' in seen[0]!.call).toBe(false)
    await tools.close()
  })

  it('should give Coze the failure output when website A refuses the signature', async () => {
    const { tools, records } = caller({ secret: 'not-the-secret-0123456789' })
    expect(await tools.call(INPUT)).toEqual({ ok: false, output: TOOL_FAILED_OUTPUT, reason: 'http_401' })
    expect(seen).toMatchObject([{ ok: false, code: 'SIGNATURE_INVALID' }])
    expect(records[0]).toMatchObject({ ok: false, reason: 'http_401' })
    await tools.close()
  })

  it('should give the failure output on a 500', async () => {
    reply = json({ output: 'partial' }, 500)
    const { tools } = caller()
    expect(await tools.call(INPUT)).toEqual({ ok: false, output: TOOL_FAILED_OUTPUT, reason: 'http_500' })
    await tools.close()
  })

  it('should give the failure output when the answer is not JSON or has no string output', async () => {
    const { tools } = caller()
    reply = (res) => res.writeHead(200).end('<html>oops</html>')
    expect(await tools.call(INPUT)).toMatchObject({
      ok: false,
      output: TOOL_FAILED_OUTPUT,
      reason: 'bad_json',
    })
    reply = json({ output: { orders: [] } })
    expect(await tools.call(INPUT)).toMatchObject({ ok: false, reason: 'bad_output' })
    reply = json(null)
    expect(await tools.call(INPUT)).toMatchObject({ ok: false, reason: 'bad_output' })
    await tools.close()
  })

  it('should give the failure output when website A does not answer in time', async () => {
    reply = (res) => void held.push(res) // never answers
    const { tools, records } = caller({ timeoutMs: 200 })
    expect(await tools.call(INPUT)).toEqual({ ok: false, output: TOOL_FAILED_OUTPUT, reason: 'timeout' })
    expect(records[0]).toMatchObject({ ok: false, reason: 'timeout' })
    await tools.close()
  })

  it('should give the failure output when the body stalls after the headers', async () => {
    reply = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).write('{"output":"')
      held.push(res)
    }
    const { tools } = caller({ timeoutMs: 200 })
    expect(await tools.call(INPUT)).toMatchObject({ ok: false, reason: 'timeout' })
    await tools.close()
  })

  it('should cut a huge output to 64 KB at a character boundary', async () => {
    const output = '订'.repeat(40_000) // 120 000 bytes
    reply = json({ output })
    const { tools, records } = caller()
    const result = await tools.call(INPUT)
    expect(result.ok).toBe(true)
    expect(result.reason).toBe('truncated')
    expect(Buffer.byteLength(result.output)).toBeLessThanOrEqual(64 * 1024)
    expect(result.output).toBe('订'.repeat(Math.floor((64 * 1024) / 3)))
    expect(records[0]).toMatchObject({ ok: true, reason: 'truncated' })
    await tools.close()
  })

  it('should not read an answer over 1 MB', async () => {
    reply = json({ output: 'x'.repeat(2 * 1024 * 1024) })
    const { tools } = caller()
    expect(await tools.call(INPUT)).toMatchObject({
      ok: false,
      output: TOOL_FAILED_OUTPUT,
      reason: 'too_large',
    })
    await tools.close()
  })

  it('should give the failure output when website A is unreachable', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const { tools } = caller({ url: `http://127.0.0.1:${port}/tools` })
    expect(await tools.call(INPUT)).toEqual({ ok: false, output: TOOL_FAILED_OUTPUT, reason: 'network' })
    await tools.close()
  })

  it('should answer "tool unavailable" without a TOOLS_URL, and still report the call', async () => {
    const { tools, records } = caller({ url: undefined })
    expect(await tools.call(INPUT)).toEqual({
      ok: false,
      output: TOOL_UNAVAILABLE_OUTPUT,
      reason: 'not_configured',
    })
    expect(records).toMatchObject([{ name: 'my_orders', ok: false, reason: 'not_configured' }])
    expect(seen).toEqual([])
  })

  it('should not let a throwing hook break the call', async () => {
    reply = json({ output: 'fine' })
    const tools = createToolCaller({
      url: `${base}/tools`,
      keyId: KEY_ID,
      secret: SECRET,
      log: pino({ level: 'silent' }),
      onCall: () => {
        throw new Error('audit down')
      },
    })
    expect(await tools.call(INPUT)).toEqual({ ok: true, output: 'fine' })
    await tools.close()
  })

  it('should refuse a url without key id and secret at construction', () => {
    expect(() => createToolCaller({ url: base, log: pino({ level: 'silent' }) })).toThrow(/keyId and secret/)
  })
})

describe('truncateUtf8', () => {
  it('should never split a character', () => {
    expect(truncateUtf8('ab', 5)).toBe('ab')
    expect(truncateUtf8('a订b', 3)).toBe('a')
    expect(truncateUtf8('a订b', 4)).toBe('a订')
    expect(truncateUtf8('😀😀', 5)).toBe('😀')
  })
})
