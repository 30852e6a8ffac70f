/**
 * A WebSocket test client for the audio endpoints (of the sim, or of a proxy in front of it): it records
 * every frame as received, and every wait is bounded so a broken peer fails a test instead of hanging it.
 */
import { WebSocket } from 'ws'

export interface AudioFrame {
  id?: string
  event_type: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary wire fields
  data?: any
  detail?: { logid?: string; respond_at?: string }
}

/** The upgrade was answered with an HTTP status instead of 101. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Record<string, string | string[] | undefined>,
  ) {
    super(`upgrade refused with HTTP ${status}: ${body.slice(0, 200)}`)
  }
}

export interface AudioClient {
  readonly ws: WebSocket
  /** Every text frame exactly as received. */
  readonly raw: string[]
  readonly frames: AudioFrame[]
  send(eventType: string, data?: unknown): void
  /** Resolves with the first frame (from the start) that satisfies `test`. */
  until(test: (f: AudioFrame, index: number) => boolean, timeoutMs?: number): Promise<AudioFrame>
  /** Resolves once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>
  close(code?: number): void
}

const DEFAULT_WAIT_MS = 10_000

/**
 * Opens `url`; rejects with `UpgradeRefused` when the server answers the upgrade with a status.
 * @example const c = await connectAudio(`${sim.url.replace('http', 'ws')}/v1/audio/speech`, { headers })
 */
export function connectAudio(
  url: string,
  o: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<AudioClient> {
  const ws = new WebSocket(url, { headers: o.headers, perMessageDeflate: false, maxPayload: 64 << 20 })
  const raw: string[] = []
  const frames: AudioFrame[] = []
  const waiters = new Set<() => void>()
  let closedWith: { code: number; reason: string } | undefined
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      closedWith = { code, reason: reason.toString() }
      resolve(closedWith)
      for (const w of waiters) w()
    }),
  )
  ws.on('message', (data, isBinary) => {
    const text = data.toString()
    raw.push(isBinary ? `<binary ${text.length}>` : text)
    frames.push(isBinary ? { event_type: '<binary>' } : (JSON.parse(text) as AudioFrame))
    for (const w of waiters) w()
  })

  const client: AudioClient = {
    ws,
    raw,
    frames,
    closed,
    send: (eventType, data) => ws.send(JSON.stringify({ id: `c${raw.length}`, event_type: eventType, data })),
    close: (code = 1000) => ws.close(code),
    until(test, timeoutMs = o.timeoutMs ?? DEFAULT_WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find(test)
          if (!found && !closedWith) return
          waiters.delete(check)
          clearTimeout(timer)
          if (found) resolve(found)
          else reject(new Error(`closed (${closedWith!.code}) first; got ${types(frames)}`))
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no matching frame within ${timeoutMs} ms; got ${types(frames)}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
  }

  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => {
        reject(new UpgradeRefused(res.statusCode ?? 0, body, res.headers))
        ws.terminate()
      })
    })
    ws.once('error', reject)
  })
}

const types = (frames: AudioFrame[]) => {
  const names = frames.map((f) => f.event_type)
  return names.length > 12 ? `${names.slice(0, 6).join(',')},…,${names.slice(-5).join(',')}` : names.join(',')
}

/** The audio bytes of every `speech.audio.update` in `frames`, concatenated in order. */
export const audioOf = (frames: AudioFrame[]) =>
  Buffer.concat(
    frames
      .filter((f) => f.event_type === 'speech.audio.update')
      .map((f) => Buffer.from(String(f.data?.delta ?? ''), 'base64')),
  )
