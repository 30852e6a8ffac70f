/**
 * The module's `tokenEndpoint`: swaps the signed-in visitor for a Chat Service token (SPEC §2.1), signed
 * with the site's S2S key by `@volcano-chat/client`, so the secret stays on this server.
 * Demo only: the visitor's phone comes from a `demo-phone` cookie; a real site takes it from its login.
 */
import { createChatServiceClient } from '@volcano-chat/client'

export default defineEventHandler(async (event) => {
  // The component always sends it; a cross-site form cannot, so no other site can mint a token here.
  if (getHeader(event, 'x-requested-with') !== 'fetch') throw createError({ statusCode: 403 })
  const phone = getCookie(event, 'demo-phone')
  if (!phone) throw createError({ statusCode: 401, statusMessage: 'not signed in' })
  const { url, keyId, secret } = useRuntimeConfig(event).chatService
  const chat = createChatServiceClient({ baseUrl: url, keyId, secret })
  const { token } = await chat.createSession({ phone })
  return { token }
})
