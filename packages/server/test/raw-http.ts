/**
 * HTTP/1.1 over a bare socket, for what fetch will not send: absolute-form and dot-segment request
 * targets, a body that trickles, a head without its body.
 */
import { connect, type Socket } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Parses the first response in `text` (Content-Length bodies; enough for the error envelope). */
export function parseResponse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n')
  if (end < 0) return undefined
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const l of lines) {
    const at = l.indexOf(':')
    headers[l.slice(0, at).trim().toLowerCase()] = l.slice(at + 1).trim()
  }
  const length = Number(headers['content-length'] ?? 0)
  const body = text.slice(end + 4)
  if (Buffer.byteLength(body) < length) return undefined
  return { status: Number(statusLine.split(' ')[1]), headers, body }
}

/** A socket to `baseUrl` whose answer (the first response) and close can be awaited. */
export async function openRaw(baseUrl: string) {
  const { hostname, port } = new URL(baseUrl)
  const socket: Socket = connect(Number(port), hostname)
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  let text = ''
  socket.on('data', (d: Buffer) => (text += d.toString('utf8')))
  socket.on('error', () => undefined) // a reset after the answer is part of what is tested
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return {
    socket,
    write: (chunk: string | Buffer) => new Promise<void>((resolve) => socket.write(chunk, () => resolve())),
    closed,
    /** The first response, or undefined when the socket closed without one. */
    async response(): Promise<RawResponse | undefined> {
      for (;;) {
        const r = parseResponse(text)
        if (r || socket.destroyed) return r
        await Promise.race([new Promise((resolve) => socket.once('data', resolve)), closed])
      }
    },
  }
}

/** One request written whole; its response. */
export async function rawRequest(baseUrl: string, head: string, body = ''): Promise<RawResponse> {
  const c = await openRaw(baseUrl)
  await c.write(
    `${head}\r\nHost: x\r\nConnection: close\r\n` +
      (body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : '') +
      `\r\n${body}`,
  )
  const r = await c.response()
  c.socket.destroy()
  if (!r) throw new Error(`no response to ${head}`)
  return r
}
