/**
 * The published bot's metadata (coze-protocol.md §9 row 11, doc `get_metadata_of_published_bot`): name,
 * description, icon and `onboarding_info` (prologue, suggested questions), the widget's welcome. Both
 * paths the SDKs call answer the same BotInfo: `GET /v1/bots/:bot_id` (js `bots.retrieveNew`, py
 * `retrieve(use_api_version=2)`) and `GET /v1/bot/get_online_info?bot_id=` (js `bots.retrieve`, py's
 * default).
 */
import { unixSeconds } from './ids'
import { ApiError, sendData } from './reply'
import { pathParams, type Ctx, type Route } from './router'
import type { SimBotOptions } from './types'

/** The demo's bot, in Chinese like the demo's users. */
export const DEFAULT_BOT: Required<Omit<SimBotOptions, 'id'>> = {
  name: '火山小助手',
  description: '回答产品、订单和售后问题的智能客服',
  iconUrl: '',
  prologue: '你好！我是火山小助手，可以帮你查询产品信息、订单和售后问题。有什么可以帮你？',
  suggestedQuestions: ['你能做什么？', '帮我查一下我的订单', '怎么申请退货？'],
}

/** UNVERIFIED: Coze's code for a bot id that is not published to the API channel (4015, §1.4). */
export const BOT_NOT_PUBLISHED = 4015
const MSG_NOT_PUBLISHED = 'The bot_id has not been published to the channel Agent As API'
const BOT_PATH = '/v1/bots/:bot_id'

export function botRoutes(options: SimBotOptions = {}): Route[] {
  const bot = { ...DEFAULT_BOT, ...options }
  const created = unixSeconds()

  /** The configured id only, or (none configured) any numeric id, as `/v3/chat` takes any bot. */
  const known = (id: string) => (options.id === undefined ? /^\d{1,32}$/.test(id) : id === options.id)

  function info(id: string) {
    if (!known(id)) throw new ApiError(BOT_NOT_PUBLISHED, MSG_NOT_PUBLISHED)
    return {
      bot_id: id,
      name: bot.name,
      description: bot.description,
      icon_url: bot.iconUrl,
      create_time: created,
      update_time: created,
      version: '1',
      prompt_info: { prompt: '' },
      onboarding_info: { prologue: bot.prologue, suggested_questions: bot.suggestedQuestions },
      bot_mode: 0,
      plugin_info_list: [],
      model_info: { model_id: '1737521813', model_name: '豆包·1.5·Pro·32k' },
    }
  }

  const byPath = (ctx: Ctx) => sendData(ctx.res, info(pathParams(BOT_PATH, ctx.url.pathname)!.bot_id!))
  const byQuery = (ctx: Ctx) => sendData(ctx.res, info(ctx.url.searchParams.get('bot_id') ?? ''))

  return [
    { methods: ['GET'], path: BOT_PATH, auth: true, api: 'retrieveBot', handle: byPath },
    { methods: ['GET'], path: '/v1/bot/get_online_info', auth: true, api: 'retrieveBot', handle: byQuery },
  ]
}
