/**
 * The element tests' jsdom fixture: a tag of its own, mounted open on its empty panel, with a fetch that
 * answers the panel's first calls (no conversations, an empty welcome) and hands the rest to `route`.
 * Not a test file (vitest collects `*.test.ts`) and not shipped (no entry imports it).
 */
import { expect, vi } from 'vitest'
import { nextTick } from 'vue'
import { register, type VolcanoChatElement } from './element'

export type Route = (url: string, init?: RequestInit) => Response | Promise<Response>

export const $ = (el: Element, sel: string) => el.shadowRoot!.querySelector(sel) as HTMLElement | null

/** SSE text as the service sends it: `id: <message>:<seq>`, one event each, numbered from `from`. */
export const frames = (id: string, events: [string, object][], from = 0) =>
  events
    .map(([event, data], i) => `id: ${id}:${from + i}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    .join('')

/** An answer stream of `frames(id, events, from)`. */
export const sse = (id: string, events: [string, object][], from = 0) =>
  new Response(frames(id, events, from), { headers: { 'Content-Type': 'text/event-stream' } })

let n = 0

/** `<vc-test-N open token="t" api-base=…>` plus `attrs` (null leaves one out), registered, not yet in the document. */
export function createElement(attrs: Record<string, string | null> = {}) {
  const tag = `vc-test-${++n}`
  register(tag)
  const el = document.createElement(tag) as VolcanoChatElement
  for (const [k, v] of Object.entries({ open: '', token: 't', 'api-base': 'https://chat.example', ...attrs }))
    if (v !== null) el.setAttribute(k, v)
  return el
}

/** `createElement(attrs)` mounted with `route` behind the fetch; resolves once its empty panel shows. */
export async function mountElement(route: Route, attrs: Record<string, string | null> = {}) {
  const fetch = vi.fn(async (url: string, init?: RequestInit) =>
    url.endsWith('/conversations')
      ? Response.json({ items: [] })
      : url.endsWith('/welcome')
        ? Response.json({ prologue: '', questions: [] })
        : route(url, init),
  )
  vi.stubGlobal('fetch', fetch)
  const el = createElement(attrs)
  const errors: unknown[] = []
  el.addEventListener('vc-error', (e) => errors.push((e as CustomEvent).detail[0]))
  document.body.append(el)
  await nextTick()
  await vi.waitFor(() => expect($(el, '.vc-empty')).not.toBeNull())
  const input = () => $(el, 'textarea') as HTMLTextAreaElement
  const type = (text: string) => {
    input().value = text
    input().dispatchEvent(new Event('input'))
  }
  const ask = (text: string) => {
    type(text)
    input().dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
  }
  return { el, fetch, errors, input, type, ask }
}

/** After each test: the document emptied, globals and timers put back. */
export function unmountAll() {
  document.body.replaceChildren()
  vi.unstubAllGlobals()
  vi.useRealTimers()
}
