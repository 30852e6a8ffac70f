/**
 * A stand-in for the Chat Service in browser smoke tests: serves `dist/` at `/widget/`, a host page,
 * and the widget endpoints with scripted answers. The answer stream stops at a gate the test opens,
 * so "progressive" is shown without relying on timing.
 */
import { createServer, type ServerResponse } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import type { AddressInfo } from 'node:net'

export const NONCE = 'smoke-nonce-1'
export const HOSTILE_CSS = '* { all: unset !important; color: red !important; font-size: 40px !important }'

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
}

export interface Answer {
  /** Written at once, before the gate. */
  first: string
  /** Written after the test calls `release()`. */
  rest: string[]
  suggestions?: string[]
}

function hostPage(hostile: boolean): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>host</title>
${hostile ? `<style nonce="${NONCE}">${HOSTILE_CSS}</style>` : ''}
<script src="/widget/volcano-chat.js" nonce="${NONCE}" defer></script>
<script src="/widget/volcano-chat.js" nonce="${NONCE}" defer></script><!-- loaded twice on purpose --></head>
<body><h1>Website A</h1><volcano-chat token="tok-1" title="智能助手"></volcano-chat></body></html>`
}

export async function startFixtureServer(distDir: string, answer: Answer) {
  let release: () => void = () => undefined
  let gate = Promise.resolve()
  const sends: { auth: string | undefined; body: unknown }[] = []

  const event = (res: ServerResponse, seq: number, name: string, data: object) =>
    res.write(`id: m1:${seq}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`)

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/host.html') {
      res.writeHead(200, {
        'Content-Type': TYPES['.html']!,
        // Strict CSP: the widget must work with only its nonce (styles) and its own origin (scripts).
        'Content-Security-Policy': `default-src 'self'; script-src 'self' 'nonce-${NONCE}'; style-src 'nonce-${NONCE}'`,
      })
      return res.end(hostPage(url.searchParams.has('hostile')))
    }
    if (url.pathname.startsWith('/widget/')) {
      const file = normalize(join(distDir, url.pathname.slice('/widget/'.length)))
      if (!file.startsWith(distDir)) return res.writeHead(403).end()
      try {
        const body = await readFile(file)
        return res
          .writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' })
          .end(body)
      } catch {
        return res.writeHead(404).end() // a missing asset is a plain 404, as a static server gives
      }
    }
    if (url.pathname === '/favicon.ico') return res.writeHead(204).end() // keeps the console clean
    if (url.pathname === '/api/chat/conversations') return res.writeHead(200).end('{"items":[]}')
    if (url.pathname === '/api/chat/welcome') return res.writeHead(200).end('{"prologue":"","questions":[]}')
    if (url.pathname === '/api/chat/send') {
      let raw = ''
      for await (const chunk of req) raw += chunk
      sends.push({ auth: req.headers.authorization, body: JSON.parse(raw) })
      gate = new Promise((r) => (release = r))
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
      res.write(': ping\n\n')
      event(res, 0, 'meta', { messageId: 'm1', conversationId: 'c1' })
      event(res, 1, 'delta', { text: answer.first })
      await gate
      let seq = 2
      for (const text of answer.rest) event(res, seq++, 'delta', { text })
      if (answer.suggestions) event(res, seq++, 'suggestions', { items: answer.suggestions })
      event(res, seq, 'done', { status: 'completed', usage: { inputTokens: 1, outputTokens: 2 } })
      return res.end()
    }
    res.writeHead(404, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no route', requestId: 'r' } }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    sends,
    release: () => release(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
