/**
 * `POST /v1/conversations/:conversation_id/clear` (coze-protocol.md §3, §9 row 11; doc
 * `clear_conversation_context`): starts a new section, so later chats begin with a fresh context. The
 * messages stay (the message list still shows them, with their old `section_id`). Answers the new
 * section `{id, conversation_id}` (js `ConversationSession`).
 */
import { ApiError, MSG, sendData } from './reply'
import { pathParams, type Ctx, type Route } from './router'
import type { Store } from './store'

const CLEAR_PATH = '/v1/conversations/:conversation_id/clear'

export function conversationClearRoutes(store: Store, nextId: () => string): Route[] {
  function clear(ctx: Ctx) {
    const id = pathParams(CLEAR_PATH, ctx.url.pathname)!.conversation_id!
    const conversation = store.conversation(id)
    // 4002: invalid conversation (§9 row 9).
    if (!conversation) throw new ApiError(4002, MSG.conversationMissing)
    conversation.last_section_id = nextId()
    sendData(ctx.res, { id: conversation.last_section_id, conversation_id: conversation.id })
  }

  return [{ methods: ['POST'], path: CLEAR_PATH, auth: true, api: 'clearConversation', handle: clear }]
}
