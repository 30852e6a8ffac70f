/** A scripted WebSocket for the voice tests: records frames sent, lets the test play the server. */
import type { SocketLike, VoiceFrame } from './frames'

export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = []
  static last = () => FakeSocket.all.at(-1)!
  readyState = 0
  sent: VoiceFrame[] = []
  closedWith: number | undefined
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null

  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }
  send(data: string) {
    if (this.readyState !== 1) throw new Error('not open')
    this.sent.push(JSON.parse(data) as VoiceFrame)
  }
  close(code = 1005) {
    if (this.readyState >= 2) return
    this.closedWith = code
    this.readyState = 3
    this.onclose?.({ code, reason: '' })
  }
  // --- the server's side
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  receive(event_type: string, data?: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify({ id: 's', event_type, data }) })
  }
  drop(code = 1011) {
    this.readyState = 3
    this.onclose?.({ code, reason: '' })
  }
  types = () => this.sent.map((f) => f.event_type)
}

interface FakeBuffer {
  rate: number
  data: Float32Array
  getChannelData(c: number): Float32Array
}

/** Records what the player schedules; `finish()` plays a source to its end. */
export class FakeAudioContext {
  currentTime = 0
  destination = {}
  resumed = 0
  closed = false
  sources: {
    buffer: FakeBuffer | null
    onended: (() => void) | null
    startedAt?: number
    stopped: boolean
    connect(): void
    start(when?: number): void
    stop(): void
    finish(): void
  }[] = []
  createBuffer(_channels: number, length: number, rate: number): FakeBuffer {
    const data = new Float32Array(length)
    return { rate, data, getChannelData: () => data }
  }
  createBufferSource() {
    const src = {
      buffer: null as FakeBuffer | null,
      onended: null as (() => void) | null,
      startedAt: undefined as number | undefined,
      stopped: false,
      connect() {},
      start(when?: number) {
        src.startedAt = when
      },
      stop() {
        src.stopped = true
      },
      finish() {
        src.onended?.()
      },
    }
    this.sources.push(src)
    return src
  }
  async resume() {
    this.resumed++
  }
  async close() {
    this.closed = true
  }
}
