/**
 * The element's methods for the host page (issue 21): `open()`, `close()`, `send(text)`,
 * `newConversation()`. element.ts puts them on the element, VolcanoChat.ce.vue performs them; a call
 * made while no component is mounted (the element not in the page yet) waits for it, in order.
 */
export interface HostMethods {
  /** Opens the panel (focus moves into it), as the launcher does. */
  open(): void
  /** Closes the panel; focus goes back to the launcher only if it was inside the widget. */
  close(): void
  /**
   * Opens the panel and sends `text` as if typed (into the latest conversation, once its history is
   * there); false when nothing went out (empty text, an answer still running, a 429/503 wait).
   */
  send(text: string): Promise<boolean>
  /** Starts an empty conversation, without the confirmation the header's button asks for. */
  newConversation(): void
}

type Run = (api: HostMethods) => void

const mounted = new WeakMap<Element, HostMethods>()
const pending = new WeakMap<Element, Run[]>()

/** Runs `run` on the element's component now, or once one is mounted. */
export function callHost(el: Element, run: Run): void {
  const api = mounted.get(el)
  if (api) return run(api)
  pending.set(el, [...(pending.get(el) ?? []), run])
}

/** The component is there: it takes the calls that waited for it. */
export function attachHost(el: Element, api: HostMethods): void {
  mounted.set(el, api)
  const runs = pending.get(el) ?? []
  pending.delete(el)
  for (const run of runs) run(api)
}

export function detachHost(el: Element, api: HostMethods): void {
  if (mounted.get(el) === api) mounted.delete(el)
}
