/**
 * Microphone capture → Float32 chunks at the context's rate (the caller resamples to 16 kHz).
 * An AudioWorklet from a Blob URL when the page allows it; otherwise (no AudioWorklet, or a CSP whose
 * `script-src` has no `blob:`) a ScriptProcessorNode, which needs no extra script at all. Browser only.
 */
import { audioContextCtor } from './support'

const PROCESSOR = 'vc-pcm-capture'
// Plain JS (worklet scope): posts ~2048-sample batches instead of one message per 128-sample quantum.
const WORKLET = `registerProcessor('${PROCESSOR}', class extends AudioWorkletProcessor {
  constructor() { super(); this.b = new Float32Array(2048); this.n = 0 }
  process(inputs) {
    const c = inputs[0] && inputs[0][0]
    if (c) for (let i = 0; i < c.length; i++) {
      this.b[this.n++] = c[i]
      if (this.n === this.b.length) { this.port.postMessage(this.b, [this.b.buffer]); this.b = new Float32Array(2048); this.n = 0 }
    }
    return true
  }
})`

export interface MicCapture {
  stop(): void
}

/** Rejects with getUserMedia's DOMException (`NotAllowedError` …); see `support.ts`. */
export async function startMic(
  onSamples: (samples: Float32Array, rate: number) => void,
): Promise<MicCapture> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  })
  const Ctx = audioContextCtor()!
  const ctx = new Ctx()
  const cleanup: (() => void)[] = [() => stream.getTracks().forEach((t) => t.stop()), () => void ctx.close()]
  const stop = () => cleanup.splice(0).forEach((f) => f())
  try {
    await ctx.resume()
    const source = ctx.createMediaStreamSource(stream)
    let node: AudioNode
    try {
      node = await workletNode(ctx, (s) => onSamples(s, ctx.sampleRate), cleanup)
    } catch {
      const sp = ctx.createScriptProcessor(4096, 1, 1)
      sp.onaudioprocess = (e) => onSamples(e.inputBuffer.getChannelData(0).slice(), ctx.sampleRate)
      node = sp
    }
    source.connect(node)
    // Both nodes output silence; connecting them keeps the graph pulling audio through them.
    node.connect(ctx.destination)
    cleanup.unshift(() => (source.disconnect(), node.disconnect()))
    return { stop }
  } catch (err) {
    stop()
    throw err
  }
}

async function workletNode(ctx: AudioContext, on: (s: Float32Array) => void, cleanup: (() => void)[]) {
  if (!ctx.audioWorklet || typeof AudioWorkletNode === 'undefined') throw new Error('no AudioWorklet')
  const url = URL.createObjectURL(new Blob([WORKLET], { type: 'text/javascript' }))
  try {
    await ctx.audioWorklet.addModule(url)
  } finally {
    URL.revokeObjectURL(url)
  }
  const node = new AudioWorkletNode(ctx, PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1 })
  node.port.onmessage = (e: MessageEvent<Float32Array>) => on(e.data)
  cleanup.unshift(() => (node.port.onmessage = null))
  return node
}
