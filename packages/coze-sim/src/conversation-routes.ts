/** Conversations (coze-protocol.md §3): create, and the conversation's message list. */
import { parseEnterMessages } from './chat-request'
import { cozeText } from './coze-codes'
import { ApiError, isRecord, MSG, sendData, sendJson, stringMap } from './reply'
import type { Ctx, Route } from './router'
import type { Store } from './store'
import { messageJson } from './wire'

const MAX_CREATE_MESSAGES = 16
const MAX_PAGE = 50
/** `create_conversation`: `name` is at most 100 characters (§9 row 10). */
const MAX_NAME = 100

export function conversationRoutes(store: Store): Route[] {
  function create(ctx: Ctx): void {
    const body = ctx.json() ?? {}
    if (!isRecord(body)) throw new ApiError(4000, MSG.badRequest)
    const botId = body.bot_id
    if (botId !== undefined && typeof botId !== 'string')
      throw new ApiError(4000, `${MSG.badRequest}: bot_id`)
    const name = body.name
    if (name !== undefined && (typeof name !== 'string' || Array.from(name).length > MAX_NAME))
      throw new ApiError(4000, `${MSG.badRequest}: name must be a string of at most ${MAX_NAME} characters`)
    const meta = stringMap(body.meta_data)
    const messages = parseEnterMessages(body.messages, MAX_CREATE_MESSAGES, 4000)
    const conversation = store.createConversation({
      ...(meta ? { meta_data: meta } : {}),
      ...(botId ? { bot_id: botId } : {}),
      ...(name ? { name } : {}),
    })
    for (const m of messages) store.addEnterMessage(conversation, m)
    const { id, created_at, meta_data, last_section_id } = conversation
    sendData(ctx.res, { id, created_at, meta_data, last_section_id })
  }

  /** Paged by id; `first_id`/`last_id`/`has_more` sit beside `data`, not inside it. */
  function listMessages(ctx: Ctx): void {
    const conversation = store.conversation(ctx.url.searchParams.get('conversation_id') ?? '')
    if (!conversation) throw new ApiError(4002, cozeText(4002))
    const body = ctx.json() ?? {}
    if (!isRecord(body)) throw new ApiError(4000, MSG.badRequest)
    const q = parseListQuery(body)
    const shown = conversation.messages.filter(
      (m) =>
        (m.type === 'question' || m.type === 'answer') &&
        (q.chat_id === undefined || m.chat_id === q.chat_id) &&
        (q.before_id === undefined || BigInt(m.id) < q.before_id) &&
        (q.after_id === undefined || BigInt(m.id) > q.after_id),
    )
    // A page starts next to its cursor (before_id: newest older ones first), else at the `order` end.
    const fromNewest = q.before_id !== undefined || (q.after_id === undefined && q.order === 'desc')
    const ordered = fromNewest ? [...shown].reverse() : shown
    const page = ordered.slice(0, q.limit)
    const data = (q.order === 'desc') === fromNewest ? page : [...page].reverse()
    sendJson(ctx.res, 200, {
      code: 0,
      msg: '',
      data: data.map(messageJson),
      first_id: data[0]?.id ?? '',
      last_id: data.at(-1)?.id ?? '',
      has_more: ordered.length > page.length,
    })
  }

  return [
    {
      methods: ['POST'],
      path: '/v1/conversation/create',
      auth: true,
      api: 'createConversation',
      stat: 'conversationCreates',
      handle: create,
    },
    {
      methods: ['POST'],
      path: '/v1/conversation/message/list',
      auth: true,
      api: 'listConversationMessages',
      stat: 'messageListCalls',
      handle: listMessages,
    },
  ]
}

interface ListQuery {
  order: 'asc' | 'desc'
  chat_id?: string
  before_id?: bigint
  after_id?: bigint
  limit: number
}

function parseListQuery(body: Record<string, unknown>): ListQuery {
  const order = body.order ?? 'desc'
  const limit = body.limit ?? MAX_PAGE
  if (order !== 'asc' && order !== 'desc') throw new ApiError(4000, `${MSG.badRequest}: order`)
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new ApiError(4000, `${MSG.badRequest}: limit must be 1–${MAX_PAGE}`)
  }
  return {
    order,
    limit,
    ...(typeof body.chat_id === 'string' ? { chat_id: body.chat_id } : {}),
    ...cursor('before_id', body.before_id),
    ...cursor('after_id', body.after_id),
  }
}

function cursor(name: 'before_id' | 'after_id', v: unknown): Partial<Record<typeof name, bigint>> {
  if (v === undefined || v === null || v === '') return {}
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new ApiError(4000, `${MSG.badRequest}: ${name}`)
  return { [name]: BigInt(v) }
}
