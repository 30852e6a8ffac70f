/**
 * The whole demo for one test file: coze-sim, the Chat Service on real MariaDB + Redis (the server's
 * integration harness), the built widget served by that service at `/widget/`, and demo website A
 * pointed at it, as a browser would meet them.
 */
import { fileURLToPath } from 'node:url'
import { startWebsiteA, type WebsiteA, type WidgetAttributes } from '@volcano-chat/website-a'
import { S2S_KEY, startStack, type Stack, type StackOptions } from '../../packages/server/test/harness'
import { ensureBuild } from '../../packages/widget/e2e/ensure-build'
import { freePort } from '../../test/ports'

export interface Demo {
  stack: Stack
  site: WebsiteA
  close(): Promise<void>
}

/** The stack's options, plus what website A renders on `<volcano-chat>` (e.g. voice on). */
export type DemoOptions = Partial<StackOptions> & { widget?: WidgetAttributes }

export async function startDemo({ widget, ...opts }: DemoOptions = {}): Promise<Demo> {
  // The service serves packages/widget/dist; build it when missing or older than the sources.
  ensureBuild(fileURLToPath(new URL('../../packages/widget', import.meta.url)))
  // The widget calls the service cross-origin, so the service must know website A's origin before it
  // starts (CORS_ORIGINS), and website A needs the service's URL: the site's port is chosen first.
  const sitePort = await freePort()
  const stack = await startStack({
    backend: 'mysql',
    ...opts,
    env: { CORS_ORIGINS: `http://127.0.0.1:${sitePort}`, ...opts.env },
  })
  let site: WebsiteA
  try {
    site = await startWebsiteA({
      host: '127.0.0.1',
      port: sitePort,
      chatServiceUrl: stack.url,
      keyId: S2S_KEY.id,
      secret: S2S_KEY.secret,
      widget,
    })
  } catch (err) {
    await stack.close()
    throw err
  }
  return {
    stack,
    site,
    async close() {
      await site.close()
      await stack.close()
    },
  }
}

/** Every archived row of `userId` that asked `question`, across their conversations, straight from MariaDB. */
export async function rowsAsking(demo: Demo, userId: string, question: string) {
  const { store } = demo.stack
  const conversations = await store.listConversations(userId, 100)
  const pages = await Promise.all(conversations.map((c) => store.listMessages(userId, c.id, { limit: 100 })))
  return pages.flat().filter((r) => r.question === question)
}
