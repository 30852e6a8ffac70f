/**
 * UI strings. `zh-CN` is the default (SPEC: a Chinese business site); `en` the other one.
 * Keys are the same in both tables: the `satisfies` below fails the build when one is missing.
 */
import { inject, provide, type ComputedRef, type InjectionKey } from 'vue'
import type { Locale } from './settings'

const zh = {
  title: '智能助手',
  open: '打开聊天',
  close: '关闭聊天',
  newConversation: '新对话',
  placeholder: '输入问题，Enter 发送，Shift+Enter 换行',
  send: '发送',
  stop: '停止生成',
  retry: '重试',
  copy: '复制',
  copied: '已复制',
  thinking: '正在思考…',
  reasoning: '思考过程',
  suggestions: '推荐问题',
  loadOlder: '加载更早的消息',
  loading: '加载中…',
  empty: '你好！有什么可以帮你？',
  you: '你',
  assistant: '助手',
  offline: '网络已断开，恢复后可继续。',
  busy: '服务繁忙，请稍后再试。',
  rateLimited: '请求过于频繁，请 {s} 秒后再试。',
  rateLimitedSoon: '请求过于频繁，请稍后再试。',
  auth: '登录状态已失效，请刷新页面后重试。',
  cancelled: '已停止生成。',
  interrupted: '回答被中断。',
  streamDropped: '连接中断，未能恢复。',
  reconnecting: '连接中断，正在重新连接…',
  jumpToLatest: '回到最新消息',
  unknown: '出错了，请重试。',
  upstreamBusy: '助手太忙了，请 {s} 秒后再试。',
  upstreamBusySoon: '助手太忙了，请稍后再试。',
  contextTooLong: '对话太长了，请开始新话题。',
  unavailable: '助手暂时不可用，请稍后再试。',
  forbidden: '该功能暂不可用。',
  timeout: '助手没有及时回答，请重试。',
  conversationBusy: '上一个回答还在生成中，请稍候。',
  replyHint: '回复助手的问题',
  toolRunning: '正在查询…',
  card: '[卡片]',
  file: '文件',
  imageClick: '图片来自 {host}，点击加载',
  imageBlocked: '图片未显示',
  mic: '语音输入（按住说话，或点击开始/结束）',
  micStop: '结束录音',
  listening: '正在听…',
  recognising: '正在识别…',
  speak: '朗读回答',
  speakStop: '停止朗读',
  voiceUnsupported: '此浏览器不支持语音功能，请直接输入文字。',
  voicePermission: '无法使用麦克风：权限被拒绝。请在浏览器设置中允许麦克风，或直接输入文字。',
  voiceNoMic: '没有找到可用的麦克风，请直接输入文字。',
  voiceFailed: '语音服务出错，请稍后再试，或直接输入文字。',
  dismiss: '关闭提示',
  conversations: '历史对话',
  conversationsEmpty: '还没有历史对话。',
  untitled: '未命名对话',
  back: '返回',
  current: '当前对话',
  more: '更多',
  newTopic: '新话题',
  confirmNew: '开始新对话？当前对话会保留在历史对话中。',
  confirmYes: '开始新对话',
  cancel: '取消',
  welcome: '欢迎',
} as const

type Messages = Record<keyof typeof zh, string>

const en = {
  title: 'Assistant',
  open: 'Open chat',
  close: 'Close chat',
  newConversation: 'New conversation',
  placeholder: 'Ask a question. Enter sends, Shift+Enter adds a line',
  send: 'Send',
  stop: 'Stop',
  retry: 'Retry',
  copy: 'Copy',
  copied: 'Copied',
  thinking: 'Thinking…',
  reasoning: 'Reasoning',
  suggestions: 'Suggested questions',
  loadOlder: 'Load earlier messages',
  loading: 'Loading…',
  empty: 'Hello! How can I help?',
  you: 'You',
  assistant: 'Assistant',
  offline: 'You are offline. The chat continues when the connection is back.',
  busy: 'The service is busy. Please try again later.',
  rateLimited: 'Too many requests. Try again in {s} s.',
  rateLimitedSoon: 'Too many requests. Try again shortly.',
  auth: 'Your session has expired. Reload the page and try again.',
  cancelled: 'Stopped.',
  interrupted: 'The answer was interrupted.',
  streamDropped: 'The connection dropped and could not be resumed.',
  reconnecting: 'Connection lost. Reconnecting…',
  jumpToLatest: 'Jump to the latest message',
  unknown: 'Something went wrong. Please try again.',
  upstreamBusy: 'The assistant is busy. Try again in {s} s.',
  upstreamBusySoon: 'The assistant is busy. Try again shortly.',
  contextTooLong: 'This conversation is too long. Please start a new topic.',
  unavailable: 'The assistant is temporarily unavailable. Please try again later.',
  forbidden: 'This feature is not available.',
  timeout: 'The assistant did not answer in time. Please try again.',
  conversationBusy: 'The previous answer is still being written. Please wait.',
  replyHint: "Answer the assistant's question",
  toolRunning: 'Looking it up…',
  card: '[Card]',
  file: 'File',
  imageClick: 'Image from {host}: click to load',
  imageBlocked: 'Image not shown',
  mic: 'Voice input (hold to talk, or click to start and stop)',
  micStop: 'Stop recording',
  listening: 'Listening…',
  recognising: 'Recognising…',
  speak: 'Read the answer aloud',
  speakStop: 'Stop reading',
  voiceUnsupported: 'Voice is not supported in this browser. You can still type.',
  voicePermission: 'The microphone is blocked. Allow it in the browser settings, or type instead.',
  voiceNoMic: 'No microphone was found. You can still type.',
  voiceFailed: 'Voice failed. Try again later, or type instead.',
  dismiss: 'Dismiss',
  conversations: 'Conversations',
  conversationsEmpty: 'No conversations yet.',
  untitled: 'Untitled conversation',
  back: 'Back',
  current: 'Current conversation',
  more: 'More',
  newTopic: 'New topic',
  confirmNew: 'Start a new conversation? This one stays in your conversations.',
  confirmYes: 'Start a new one',
  cancel: 'Cancel',
  welcome: 'Welcome',
} satisfies Messages

const tables: Record<Locale, Messages> = { 'zh-CN': zh, en }

export type MessageKey = keyof Messages
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string

/** @example createTranslator('en')('rateLimited', { s: 30 }) // 'Too many requests. Try again in 30 s.' */
export function createTranslator(locale: Locale): Translate {
  const table = tables[locale]
  return (key, vars) => table[key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars?.[k] ?? ''))
}

const KEY: InjectionKey<ComputedRef<Translate>> = Symbol('vc-i18n')

export const provideI18n = (t: ComputedRef<Translate>) => provide(KEY, t)

export function useI18n(): ComputedRef<Translate> {
  const t = inject(KEY)
  if (!t) throw new Error('useI18n() needs provideI18n() in <volcano-chat>')
  return t
}
