/** `npm start -w @volcano-chat/website-a`: the demo site alone, configured from the environment. */
import { startWebsiteA } from './server'

const env = process.env
const missing = ['S2S_KEY_ID', 'S2S_SECRET'].filter((k) => !env[k])
if (missing.length) {
  for (const k of missing)
    console.error(`website-a: ${k} is required (a key id and secret from the service's S2S_KEYS)`)
  process.exit(1)
}

const site = await startWebsiteA({
  port: Number(env.PORT ?? 3000),
  host: env.HOST ?? '127.0.0.1',
  chatServiceUrl: env.CHAT_SERVICE_URL ?? 'http://127.0.0.1:8081',
  publicChatServiceUrl: env.CHAT_SERVICE_PUBLIC_URL,
  keyId: env.S2S_KEY_ID!,
  secret: env.S2S_SECRET!,
  // The service's TOOLS_KEY_ID / TOOLS_SECRET, when its TOOLS_URL points here (`/tools`).
  toolKeys: env.TOOLS_KEY_ID && env.TOOLS_SECRET ? { [env.TOOLS_KEY_ID]: env.TOOLS_SECRET } : undefined,
})
console.log(`website A: ${site.url}`)
const stop = () => void site.close().then(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
