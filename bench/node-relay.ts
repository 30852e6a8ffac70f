/**
 * Way (b) with `--proxy node`: the floor a Node relay cannot go below, as STACK.md measured it. A bare
 * fastify + undici pass-through in front of coze-sim: every request proxied as it is, the response
 * streamed back chunk by chunk, nothing parsed, checked, logged or stored. Started by run.ts:
 *
 *   node --import tsx bench/node-relay.ts <upstream url>
 *
 * It listens on a port of its own choosing and reports its URL over IPC.
 */
import Fastify from 'fastify'
import { Agent, request } from 'undici'

const [upstream] = process.argv.slice(2)
if (!upstream) throw new Error('usage: node-relay.ts <upstream url>')

const dispatcher = new Agent({ connections: null, keepAliveTimeout: 60_000 })
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body))

app.all('/*', async (req, reply) => {
  const up = await request(upstream + req.url, {
    method: req.method as 'GET' | 'POST',
    dispatcher,
    headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
    body: req.method === 'GET' ? undefined : ((req.body as string | undefined) ?? ''),
  })
  reply.hijack()
  const res = reply.raw
  res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') })
  up.body.on('data', (chunk: Buffer) => res.write(chunk))
  up.body.on('end', () => res.end())
  up.body.on('error', () => res.destroy())
  res.on('close', () => up.body.destroy())
})

const url = await app.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ kind: 'ready', url })
