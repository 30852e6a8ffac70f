/** HTML of the demo site. Every interpolated value goes through `esc`. */
import { maskPhone } from './logins'

export const DEMO_PHONES = ['13800138000', '13900139000', '15000150000']

export const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const STYLE = `body{font:15px/1.6 system-ui,sans-serif;margin:0;color:#1f2937;background:#f3f4f6}
header{display:flex;align-items:center;gap:16px;padding:12px 24px;background:#111827;color:#fff}
header h1{font-size:18px;margin:0;flex:1}main{max-width:720px;margin:32px auto;padding:0 24px}
.card{background:#fff;border-radius:12px;padding:24px;box-shadow:0 1px 3px rgba(0,0,0,.1)}
label{display:block;margin:8px 0}input[type=text]{padding:6px 8px;font:inherit}
button{font:inherit;padding:6px 14px;cursor:pointer}.error{color:#b91c1c}`

function layout(nonce: string, title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style nonce="${esc(nonce)}">${STYLE}</style>${head}</head>
<body>${body}</body></html>`
}

export function loginPage(nonce: string, error?: string): string {
  const choices = DEMO_PHONES.map(
    (p, i) =>
      `<label><input type="radio" name="phone" value="${p}"${i === 0 ? ' checked' : ''}> ${p}</label>`,
  ).join('')
  return layout(
    nonce,
    '登录 · Website A',
    '',
    `<header><h1>Website A · 工业互联网平台</h1></header><main><div class="card">
<h2>登录（演示）</h2>${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/login">${choices}
<label>或输入手机号：<input type="text" name="other" inputmode="tel" autocomplete="tel" placeholder="13xxxxxxxxx"></label>
<button type="submit">登录</button></form></div></main>`,
  )
}

export interface ChatPageInput {
  nonce: string
  phone: string
  /** Public base URL of the Chat Service, as the browser reaches it. */
  chatServiceUrl: string
  token: string
  widget?: WidgetAttributes
}

/** Optional `<volcano-chat>` settings the site passes through as they are (the widget parses them). */
export interface WidgetAttributes {
  /** e.g. 'cancel voice' (voice is opt-in); absent: the widget's default ('cancel'). */
  features?: string
  /** 'confirm' (the transcript waits in the input) or 'release' (sent when recording stops). */
  voiceSend?: 'confirm' | 'release'
}

const widgetAttributes = (w: WidgetAttributes = {}) =>
  (w.features === undefined ? '' : ` features="${esc(w.features)}"`) +
  (w.voiceSend === undefined ? '' : ` voice-send="${esc(w.voiceSend)}"`)

/** The widget gets the api base and the opaque token, nothing else about the user. */
export function chatPage(p: ChatPageInput): string {
  const base = esc(p.chatServiceUrl)
  return layout(
    p.nonce,
    'Website A',
    `<script src="${base}/widget/volcano-chat.js" nonce="${esc(p.nonce)}" defer></script>
<script src="/host.js" nonce="${esc(p.nonce)}" defer></script>`,
    `<header><h1>Website A · 工业互联网平台</h1><span>${esc(maskPhone(p.phone))}</span>
<form method="post" action="/logout"><button type="submit">退出</button></form></header>
<main><div class="card"><h2>欢迎回来</h2><p>点击右下角的按钮，向智能助手提问。</p></div></main>
<volcano-chat api-base="${base}" token="${esc(p.token)}"${widgetAttributes(p.widget)}></volcano-chat>`,
  )
}

export function errorPage(nonce: string, message: string): string {
  return layout(
    nonce,
    'Website A',
    '',
    `<main><div class="card"><p class="error">${esc(message)}</p></div></main>`,
  )
}

/**
 * The host page's side of token refresh: the widget calls `tokenProvider` on `401 TOKEN_INVALID`, and
 * it asks website A's backend (cookie-authenticated) for a fresh token.
 */
export const HOST_SCRIPT = `const chat = document.querySelector('volcano-chat')
chat.tokenProvider = async () => {
  const res = await fetch('/api/chat-token', { method: 'POST', headers: { 'X-Requested-With': 'fetch' } })
  if (res.status === 401) location.assign('/login')
  if (!res.ok) throw new Error('chat token refresh failed: HTTP ' + res.status)
  return (await res.json()).token
}
chat.addEventListener('vc-error', (e) => console.warn('[website-a] chat:', e.detail[0]))
`
