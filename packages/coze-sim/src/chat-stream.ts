/** What the chat routes share: markers of a question, and writing a chat run to an SSE response. */
import type { ChatRun } from './chat-run'
import { MarkerError, parseMarkers, type Markers } from './markers'
import { ApiError } from './reply'
import type { Ctx } from './router'
import { createSseWriter, SSE_HEADERS, type StreamFaults } from './sse'

/** Per-response faults; cuts (`drop-after`, `stall-after`, `drop-fail-after`) only on the final answer's response. */
export function streamFaults(markers: Markers, finalAnswer: boolean): StreamFaults {
  const dropAfter = markers.dropFailAfter ?? markers.dropAfter
  return {
    malformed: markers.malformed,
    split: markers.split,
    ...(finalAnswer && dropAfter !== undefined ? { dropAfter } : {}),
    ...(finalAnswer && markers.stallAfter !== undefined ? { stallAfter: markers.stallAfter } : {}),
  }
}

/** Writes the run to this response as SSE until either ends. */
export function observeStream(ctx: Ctx, run: ChatRun, faults: StreamFaults): void {
  ctx.res.writeHead(200, SSE_HEADERS)
  const unobserve = run.observe(createSseWriter(ctx.res, faults))
  ctx.res.on('close', unobserve)
}

export function markersOf(question: string): Markers {
  try {
    return parseMarkers(question).markers
  } catch (e) {
    if (e instanceof MarkerError) throw new ApiError(4000, `coze-sim marker: ${e.message}`)
    throw e
  }
}
