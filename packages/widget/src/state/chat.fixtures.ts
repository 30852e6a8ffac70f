/** Builders for the chat state tests: one local message `l1` answered as `m1` in conversation `c1`. */
import { applyEvent, initialState, type ChatEvent, type ChatState, type WireEvent } from './chat'

export const run = (events: ChatEvent[], state: ChatState = initialState()) =>
  events.reduce(applyEvent, state)
export const askedWith = (question: string): ChatEvent => ({
  type: 'asked',
  localId: 'l1',
  question,
  clientMessageId: 'u1',
})
export const wire = (seq: number, w: WireEvent): ChatEvent => ({
  type: 'stream',
  localId: 'l1',
  id: `m1:${seq}`,
  wire: w,
})
export const meta = wire(0, { event: 'meta', data: { messageId: 'm1', conversationId: 'c1' } })
export const delta = (seq: number, text: string) => wire(seq, { event: 'delta', data: { text } })
