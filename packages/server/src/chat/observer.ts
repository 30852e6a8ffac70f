/** Many observers as one (`ChatObserver`, declared in types.ts with what other features may import). */
import type { ChatObserver } from './types'

export type { ChatContext, ChatObserver } from './types'

/** Fans each call out to every observer; one observer failing never breaks the chat. */
export function combineObservers(
  observers: ChatObserver[],
  onError: (err: unknown) => void,
): Required<ChatObserver> {
  const call =
    <K extends keyof ChatObserver>(name: K) =>
    (...args: Parameters<Required<ChatObserver>[K]>) => {
      for (const o of observers) {
        try {
          ;(o[name] as ((...a: unknown[]) => void) | undefined)?.(...args)
        } catch (err) {
          onError(err)
        }
      }
    }
  return {
    chatStarted: call('chatStarted'),
    firstToken: call('firstToken'),
    eventRelayed: call('eventRelayed'),
    chatEnded: call('chatEnded'),
    chatHandedOver: call('chatHandedOver'),
    chatCancelled: call('chatCancelled'),
    upstreamError: call('upstreamError'),
    cozeError: call('cozeError'),
    archiveFailed: call('archiveFailed'),
    streamResumed: call('streamResumed'),
    sweeperRepaired: call('sweeperRepaired'),
  }
}
