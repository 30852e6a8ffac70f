/**
 * A minimal Nuxt 3 app using `@volcano-chat/nuxt`. The browser test builds it (`nuxi build`) and starts
 * `.output/server/index.mjs` with the Chat Service's address in the environment:
 *   NUXT_PUBLIC_VOLCANO_CHAT_SERVICE_URL  where the widget talks to (the module's `serviceUrl`)
 *   NUXT_CHAT_SERVICE_URL, NUXT_CHAT_SERVICE_KEY_ID, NUXT_CHAT_SERVICE_SECRET  for server/api/chat-token
 */
import { defineNuxtConfig } from 'nuxt/config'

export default defineNuxtConfig({
  modules: ['@volcano-chat/nuxt'],
  volcanoChat: {
    tokenEndpoint: '/api/chat-token',
    locale: 'zh-CN',
    theme: 'auto',
    title: 'Nuxt 示例助手',
  },
  runtimeConfig: {
    // Server-only: the signing key never reaches the browser.
    chatService: { url: '', keyId: '', secret: '' },
  },
  devtools: { enabled: false },
  telemetry: false,
  compatibilityDate: '2026-12-01',
})
