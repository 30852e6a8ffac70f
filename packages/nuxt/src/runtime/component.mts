/**
 * The component the module registers (client-only): the widget's Vue component with the module's
 * options as defaults. A prop given in the template wins over the option; listeners (`@vc-message` …)
 * fall through to `<volcano-chat>`. With `tokenEndpoint` and no `token` prop it fetches the token itself.
 */
import { createCommentVNode, defineComponent, h, onMounted, ref, shallowRef } from 'vue'
import { useRuntimeConfig } from 'nuxt/app'
import { VolcanoChat, type TokenProvider } from '@volcano-chat/widget'
import type { PublicOptions } from './options.mjs'

/**
 * `POST tokenEndpoint` → `{ token }`, with the visitor's cookies (the endpoint knows who is signed in)
 * and `X-Requested-With: fetch`, a header no cross-site form can send: the endpoint may require it.
 */
export async function fetchToken(endpoint: string): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    credentials: 'include',
    headers: { 'X-Requested-With': 'fetch' },
  })
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}`)
  const { token } = (await res.json()) as { token?: unknown }
  if (typeof token !== 'string' || !token) throw new Error('token endpoint answered no token')
  return token
}

/** The element's methods, reached through a template ref on this component as on the widget's own. */
const METHODS = ['open', 'close', 'send', 'newConversation'] as const

const VolcanoChatNuxt = defineComponent({
  name: 'VolcanoChatNuxt',
  // The widget's own props: every setting, so a new one needs no change here.
  props: VolcanoChat.props,
  setup(props, { expose }) {
    const options = (useRuntimeConfig().public.volcanoChat ?? {}) as Partial<PublicOptions>
    const { serviceUrl, tokenEndpoint, ...settings } = options
    const ownToken = () => (props as { token?: string }).token
    // The endpoint's token; `undefined` while it is on its way, '' when it could not be had.
    const fetched = ref<string>()
    const provider: TokenProvider | undefined = tokenEndpoint ? () => fetchToken(tokenEndpoint) : undefined
    onMounted(async () => {
      if (tokenEndpoint && !ownToken()) fetched.value = await fetchToken(tokenEndpoint).catch(() => '')
    })
    const inner = shallowRef<Record<string, unknown>>()
    expose(
      Object.fromEntries(
        METHODS.map((name) => [
          name,
          (...args: unknown[]) =>
            (inner.value?.[name] as ((...a: unknown[]) => unknown) | undefined)?.(...args),
        ]),
      ),
    )
    return () => {
      // Nothing until the first token is here: a question typed into a widget without one would be lost.
      // Should the endpoint fail, the widget still appears and shows its own sign-in notice.
      // A comment, not null: Nuxt's client-only wrapper reads the rendered vnode.
      if (tokenEndpoint && !ownToken() && fetched.value === undefined)
        return createCommentVNode('volcano-chat')
      const defaults: Record<string, unknown> = {
        ...settings,
        apiBase: serviceUrl,
        token: fetched.value || undefined,
        tokenProvider: provider,
      }
      // A prop given wins; '' (an unset option) counts as absent, so the widget applies its default.
      const given = (v: unknown) => v !== undefined && v !== ''
      const merged = Object.fromEntries(
        Object.entries(props).map(([key, own]) => [
          key,
          given(own) ? own : given(defaults[key]) ? defaults[key] : undefined,
        ]),
      )
      // Listeners (`onVcMessage` …) are not props here: Vue passes them through to the widget.
      return h(VolcanoChat, { ...merged, ref: inner })
    }
  },
})

// Same props, events and methods as the widget's component, so templates are typed the same.
export default VolcanoChatNuxt as unknown as typeof VolcanoChat
