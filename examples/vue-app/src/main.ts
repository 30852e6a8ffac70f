/**
 * A plain Vue 3 app that uses the widget as a component (`@volcano-chat/widget`), the way a Vue or
 * Nuxt site would. The service URL and the token come from the query string so the browser test can
 * point it anywhere; a real app gets the token from its own backend.
 */
import { createApp, h, ref } from 'vue'
import { VolcanoChat } from '@volcano-chat/widget'

const params = new URLSearchParams(location.search)
const token = ref(params.get('token') ?? '')
const messages = ref(0)

createApp({
  render: () => [
    h('h1', 'Vue app'),
    h('p', { id: 'answers' }, `answers: ${messages.value}`),
    h(VolcanoChat, {
      apiBase: params.get('apiBase') ?? '',
      token: token.value,
      open: true,
      onVcMessage: () => messages.value++,
    }),
  ],
}).mount('#app')
